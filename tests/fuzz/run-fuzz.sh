#!/bin/bash
# Builds tests/fuzz/fuzz-packet.c with clang + libFuzzer + ASan + UBSan and
# runs it for SECONDS (default 60) on a copy of the seed corpus.
# Exits non-zero on any crash, leak, sanitizer report or assertion.
#
# usage: bash tests/fuzz/run-fuzz.sh [SECONDS]
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

SECONDS_TO_RUN="${1:-60}"
case "$SECONDS_TO_RUN" in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$(cd "$HERE/../.." && pwd)"
CC="${CC:-clang}"

if ! command -v "$CC" >/dev/null 2>&1; then
  echo "run-fuzz: $CC not found (install clang and libclang-rt-14-dev)" >&2
  exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tripdesk-fuzz.XXXXXX")"
cleanup () { rm -rf "$WORK"; }
trap cleanup EXIT

# config.h as meson would write it (the common sources include it)
cat > "$WORK/config.h" <<CONFIG
#define APP_ID "io.github.tripdesk.Tripdesk"
#define GETTEXT_PACKAGE "tripdesk"
#define LOCALEDIR "/usr/share/locale"
#define VERSION "0.0-fuzz"
#define PACKAGE_VERSION "0.0-fuzz"
CONFIG

PKGS="glib-2.0 gobject-2.0 gio-2.0 json-glib-1.0"
# shellcheck disable=SC2086
CFLAGS_PKG="$(pkg-config --cflags $PKGS)"
# shellcheck disable=SC2086
LIBS_PKG="$(pkg-config --libs $PKGS)"

echo "run-fuzz: building with $CC"
# shellcheck disable=SC2086
"$CC" -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
  -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 \
  -DJSON_VERSION_MIN_REQUIRED=JSON_VERSION_1_6 \
  -DJSON_VERSION_MAX_ALLOWED=JSON_VERSION_1_6 \
  -I"$WORK" -I"$SRC/src/common" $CFLAGS_PKG \
  "$HERE/fuzz-packet.c" "$SRC"/src/common/*.c \
  -o "$WORK/fuzz-packet" $LIBS_PKG -lm

mkdir -p "$WORK/corpus" "$WORK/artifacts"
cp "$HERE"/corpus/* "$WORK/corpus/"

echo "run-fuzz: fuzzing for ${SECONDS_TO_RUN}s"
status=0
(
  cd "$WORK"
  G_SLICE=always-malloc G_DEBUG=gc-friendly \
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  LSAN_OPTIONS="suppressions=$SRC/tests/lsan.supp:print_suppressions=0" \
  ./fuzz-packet -max_len=65536 -max_total_time="$SECONDS_TO_RUN" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$HERE/packet.dict" -artifact_prefix="$WORK/artifacts/" corpus
) || status=$?

if [ "$status" -ne 0 ] || [ -n "$(ls -A "$WORK/artifacts")" ]; then
  echo "run-fuzz: FAILED (exit $status)" >&2
  for f in "$WORK"/artifacts/*; do
    [ -e "$f" ] || continue
    keep="$HERE/$(basename "$f")"
    cp "$f" "$keep"
    echo "run-fuzz: reproducer kept as $keep" >&2
    head -c 512 "$f" | od -c | head -20 >&2
  done
  exit 1
fi

echo "run-fuzz: OK"
