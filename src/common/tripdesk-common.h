#pragma once
#include "td-protocol.h"
#include "td-json.h"
#include "td-message.h"
#include "td-line.h"
#include "td-packet.h"
