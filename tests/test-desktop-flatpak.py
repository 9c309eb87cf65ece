#!/usr/bin/python3
# Static checks of flatpak/io.github.tripdesk.Tripdesk.json (suite "desktop").
# No runtime can be downloaded here, so this checks what flatpak-builder would
# reject or what would make the sandbox too wide.  TAP output.
#   test-desktop-flatpak.py SRCDIR APP_ID
import configparser
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

srcdir, app_id = sys.argv[1], sys.argv[2]
n = failed = 0


def ok(cond, desc, diag=None):
    global n, failed
    n += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, desc))
    if not cond:
        failed += 1
        if diag is not None:
            for line in str(diag).splitlines():
                print('# ' + line)
    return cond


# GNOME runtime → (GTK, libadwaita, GLib) it ships.  The code is pinned to
# GLib 2.74 / GTK 4.8 / libadwaita 1.2 (meson.build), so any runtime ≥ 43
# covers it; runtimes older than 43 have no libadwaita 1.2.
GNOME_RUNTIMES = {
    '43': ('4.8', '1.2', '2.74'),
    '44': ('4.10', '1.3', '2.76'),
    '45': ('4.12', '1.4', '2.78'),
    '46': ('4.14', '1.5', '2.80'),
    '47': ('4.16', '1.6', '2.82'),
    '48': ('4.18', '1.7', '2.84'),
    '49': ('4.20', '1.8', '2.86'),
    '50': ('4.22', '1.9', '2.88'),
}
# oldest runtime still receiving updates on Flathub when this was written
OLDEST_SUPPORTED = 48


def vtuple(v):
    return tuple(int(x) for x in v.split('.'))


def pins():
    text = open(os.path.join(srcdir, 'meson.build'), encoding='utf-8').read()
    found = {}
    for lib, key in (('GLIB', 'glib'), ('GDK', 'gtk'), ('ADW', 'adw')):
        m = re.search(r'-D%s_VERSION_MAX_ALLOWED=%s_VERSION_(\d+)_(\d+)' % (lib, lib), text)
        if m:
            found[key] = '%s.%s' % (m.group(1), m.group(2))
    return found


path = os.path.join(srcdir, 'flatpak', app_id + '.json')
try:
    with open(path, encoding='utf-8') as f:
        manifest = json.load(f)
    ok(True, 'manifest is valid JSON')
except (OSError, ValueError) as e:
    ok(False, 'manifest is valid JSON', e)
    print('1..%d' % n)
    sys.exit(1)

ok(manifest.get('id', manifest.get('app-id')) == app_id, 'id is %s' % app_id, manifest.get('id'))
ok(manifest.get('runtime') == 'org.gnome.Platform', 'runtime org.gnome.Platform')
ok(manifest.get('sdk') == 'org.gnome.Sdk', 'sdk org.gnome.Sdk')
rv = str(manifest.get('runtime-version', ''))
ok(rv in GNOME_RUNTIMES, 'runtime-version %r is a known GNOME runtime' % rv)
if rv in GNOME_RUNTIMES:
    gtk, adw, glib = GNOME_RUNTIMES[rv]
    p = pins()
    ok(set(p) == {'glib', 'gtk', 'adw'}, 'meson.build pins GLib, GDK and libadwaita', p)
    ok(vtuple(gtk) >= vtuple(p.get('gtk', '99')), 'runtime GTK %s covers the pin %s' % (gtk, p.get('gtk')))
    ok(vtuple(adw) >= vtuple(p.get('adw', '99')), 'runtime libadwaita %s covers the pin %s' % (adw, p.get('adw')))
    ok(vtuple(glib) >= vtuple(p.get('glib', '99')), 'runtime GLib %s covers the pin %s' % (glib, p.get('glib')))
    ok(int(rv) >= 43, 'runtime >= 43 (libadwaita 1.2)')
    ok(int(rv) >= OLDEST_SUPPORTED, 'runtime %s is not end-of-life (>= %d)' % (rv, OLDEST_SUPPORTED))

# the command is what the desktop file runs, and what meson installs
desktop_in = os.path.join(srcdir, 'data', app_id + '.desktop.in')
cp = configparser.RawConfigParser(interpolation=None)
cp.optionxform = str
cp.read(desktop_in, encoding='utf-8')
entry = cp['Desktop Entry']
ok(manifest.get('command') == 'tripdesk', 'command is tripdesk')
ok(entry.get('Exec', '').split()[0] == manifest.get('command'), 'command matches the desktop file Exec=')
ok(entry.get('Icon') == app_id, 'desktop Icon= is the app id (the icon Flatpak exports)')
icon = os.path.join(srcdir, 'data', 'icons', 'hicolor', 'scalable', 'apps', app_id + '.svg')
ok(os.path.isfile(icon), 'the icon named by the app id exists')
meta = ET.parse(os.path.join(srcdir, 'data', app_id + '.metainfo.xml.in')).getroot()
ok(meta.findtext('id') == app_id, 'metainfo id matches the manifest id')
ok(meta.findtext('launchable') == app_id + '.desktop', 'metainfo launchable matches the desktop file')
ok(manifest.get('command') in [b.text for b in meta.findall('provides/binary')],
   'metainfo provides the command binary')

# sandbox: minimal permissions
fa = manifest.get('finish-args', [])
ok(not [a for a in fa if a.startswith(('--filesystem', '--persist'))], 'no --filesystem access', fa)
for want in ('--share=network', '--socket=wayland', '--socket=fallback-x11', '--share=ipc', '--device=dri'):
    ok(want in fa, 'finish-args has %s' % want)
ok('--socket=x11' not in fa, 'X11 only as a fallback')
ok(not [a for a in fa if a in ('--device=all', '--socket=session-bus', '--socket=system-bus')],
   'no device=all and no whole-bus access', fa)
allowed_names = set()  # notifications and secrets go through portals
talk = [a for a in fa if a.startswith(('--talk-name=', '--own-name=', '--system-talk-name='))]
ok(not [t for t in talk if t.split('=', 1)[1] not in allowed_names],
   'no D-Bus names besides the portals', talk)
ok(len(fa) == len(set(fa)), 'no duplicate finish-args')

# modules: pinned sources; libsodium bundled; the app itself from this repo
modules = manifest.get('modules', [])


def walk(mods):
    for m in mods:
        if isinstance(m, dict):
            yield m
            yield from walk(m.get('modules', []))


mods = list(walk(modules))
names = [m.get('name') for m in mods]
ok('libsodium' in names, 'libsodium is bundled as a module', names)
ok(names and names[-1] == 'tripdesk', 'the app is the last module', names)
for m in mods:
    for s in m.get('sources', []):
        if isinstance(s, str):
            ok(False, '%s: source %s is an external file (inline it)' % (m.get('name'), s))
            continue
        t = s.get('type')
        if t in ('archive', 'file'):
            url = s.get('url', '')
            ok(url.startswith('https://'), '%s: %s over https' % (m.get('name'), url))
            ok(bool(re.fullmatch(r'[0-9a-f]{64}', s.get('sha256', ''))),
               '%s: %s pinned by sha256' % (m.get('name'), os.path.basename(url)))
            for mirror in s.get('mirror-urls', []):
                ok(os.path.basename(mirror) == os.path.basename(url), '%s: mirror %s is the same file' % (m.get('name'), mirror))
        elif t == 'git':
            ok(bool(re.fullmatch(r'[0-9a-f]{40}', s.get('commit', ''))),
               '%s: git source pinned by commit' % m.get('name'))
        elif t == 'dir':
            p = os.path.normpath(os.path.join(srcdir, 'flatpak', s.get('path', '')))
            ok(os.path.samefile(p, srcdir), '%s: dir source is this repository' % m.get('name'), p)
        else:
            ok(t in ('patch', 'shell', 'script', 'inline'), '%s: source type %s is local' % (m.get('name'), t))
sodium = [m for m in mods if m.get('name') == 'libsodium']
if sodium:
    urls = [s.get('url', '') for s in sodium[0].get('sources', []) if isinstance(s, dict)]
    ok(any(re.search(r'libsodium-1\.0\.(18|19|20)\.tar\.gz$', u) for u in urls),
       'libsodium is a release tarball >= 1.0.18 (the meson minimum)', urls)
app = [m for m in mods if m.get('name') == 'tripdesk']
if app:
    ok(app[0].get('buildsystem') == 'meson', 'the app builds with meson')
print('1..%d' % n)
sys.exit(1 if failed else 0)
