#!/usr/bin/python3
# POTFILES.in is complete and exact (suite "desktop"); TAP output.
#   test-potfiles.py SRCDIR
# Fails when a file under src/ calls _( N_( C_( NC_( ngettext( or g_dngettext(,
# when a .ui under ui/ or src/ has translatable="yes", or a schema/desktop/
# metainfo file with translatable content is missing from po/POTFILES.in; and
# when POTFILES.in lists a file that does not exist.
import os
import re
import sys

srcdir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..'))
C_MARK = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|ngettext|g_dngettext|g_dpgettext2)\s*\(\s*(?:"|[A-Za-z_])')
UI_MARK = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')

listed = []
with open(os.path.join(srcdir, 'po', 'POTFILES.in'), encoding='utf-8') as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith('#'):
            listed.append(line)

n = 0
failed = 0


def ok(cond, desc, diag=()):
    global n, failed
    n += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, desc))
    if not cond:
        failed += 1
        for d in diag:
            print('# ' + d)


def strip_c_comments(text):
    # drop comments and preprocessor lines (e.g. "#define _(s) gettext(s)")
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    return re.sub(r'^\s*#[^\n]*', ' ', text, flags=re.M)


needed = []
for top in ('src', 'ui', 'data'):
    for root, dirs, files in os.walk(os.path.join(srcdir, top)):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, srcdir)
            try:
                text = open(path, encoding='utf-8', errors='replace').read()
            except OSError:
                continue
            if name.endswith(('.c', '.h')):
                if C_MARK.search(strip_c_comments(text)):
                    needed.append(rel)
            elif name.endswith('.ui'):
                if UI_MARK.search(text):
                    needed.append(rel)
            elif name.endswith(('.desktop.in', '.metainfo.xml.in')):
                needed.append(rel)
            elif name.endswith('.gschema.xml'):
                if re.search(r'<(summary|description)\b', text) or 'gettext-domain' in text:
                    needed.append(rel)

missing = [f for f in needed if f not in listed]
ok(not missing, 'every file with translatable strings is in po/POTFILES.in (%d files)' % len(needed),
   ['missing: ' + m for m in missing])
absent = [f for f in listed if not os.path.isfile(os.path.join(srcdir, f))]
ok(not absent, 'every file listed in po/POTFILES.in exists', ['absent: ' + a for a in absent])
dups = sorted({f for f in listed if listed.count(f) > 1})
ok(not dups, 'no file is listed twice', dups)
ok(listed == sorted(listed, key=lambda p: (not p.startswith('data/'), p)),
   'POTFILES.in is sorted (data/ first, then alphabetical)')
print('1..%d' % n)
sys.exit(1 if failed else 0)
