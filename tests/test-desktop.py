#!/usr/bin/python3
# Validators of data/ and po/ (suite "desktop"); TAP output.
#
#   test-desktop.py desktop-file BUILT.desktop
#   test-desktop.py metainfo     BUILT.metainfo.xml BUILT.desktop
#   test-desktop.py icons        SRCDIR APP_ID
#   test-desktop.py schema       SRCDIR APP_ID SCHEMA_BUILD_DIR
#   test-desktop.py po           SRCDIR BUILD_PO_DIR
#   test-desktop.py po-complete  SRCDIR
#   test-desktop.py install      BUILDDIR PREFIX BINDIR DATADIR LOCALEDIR APP_ID
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

_n = 0
_failed = 0


def ok(cond, desc, diag=None):
    global _n, _failed
    _n += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', _n, desc))
    if not cond:
        _failed += 1
        if diag:
            for line in str(diag).rstrip().splitlines():
                print('# ' + line)
    sys.stdout.flush()
    return cond


def skip(desc, why):
    global _n
    _n += 1
    print('ok %d - %s # SKIP %s' % (_n, desc, why))


def done():
    print('1..%d' % _n)
    sys.exit(1 if _failed else 0)


def run(argv, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, **kw)
    return p.returncode, p.stdout


def linguas(srcdir):
    langs = []
    with open(os.path.join(srcdir, 'po', 'LINGUAS'), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            langs.extend(line.split())
    return langs


def read_desktop(path):
    cp = configparser.RawConfigParser(interpolation=None, strict=False)
    cp.optionxform = str
    cp.read(path, encoding='utf-8')
    return cp['Desktop Entry']


# ---------------------------------------------------------------------------

def check_desktop_file(path):
    ok(os.path.isfile(path), 'desktop file was built: %s' % path)
    rc, out = run(['desktop-file-validate', path])
    # hints are advice, not errors (the three main categories are wanted)
    errors = [l for l in out.splitlines() if ': error:' in l or ': warning:' in l]
    ok(rc == 0 and not errors, 'desktop-file-validate is clean', out)
    e = read_desktop(path)
    app_id = os.path.basename(path)[:-len('.desktop')]
    ok(e.get('Type') == 'Application', 'Type=Application')
    ok(e.get('Exec', '').split()[0:1] == ['tripdesk'], 'Exec=tripdesk', e.get('Exec'))
    ok(e.get('Icon') == app_id, 'Icon is the app id', e.get('Icon'))
    cats = [c for c in e.get('Categories', '').split(';') if c]
    ok(cats == ['Network', 'InstantMessaging', 'Office'], 'Categories', cats)
    ok(e.get('StartupNotify') == 'true', 'StartupNotify=true')
    ok(e.get('Keywords', '').endswith(';'), 'Keywords is a ;-terminated list')
    srcdata = os.path.join(os.environ.get('G_TEST_SRCDIR', '.'), '..', 'data')
    ok(e.get('DBusActivatable') == 'true', 'DBusActivatable=true (gapplication action and '
       'notifications can start the app)', e.get('DBusActivatable'))
    ok(os.path.isfile(os.path.join(srcdata, app_id + '.service.in')),
       'DBusActivatable has its D-Bus service file in data/')
    for lang in linguas(os.environ.get('G_TEST_SRCDIR', '.') + '/..'):
        for key in ('Name', 'Comment', 'Keywords'):
            ok('%s[%s]' % (key, lang) in e, '%s[%s] is merged from po/' % (key, lang))
        kw = e.get('Keywords[%s]' % lang, '')
        ok(kw.endswith(';'), 'Keywords[%s] ends with a semicolon' % lang, kw)
    ok(e.get('Comment[zh_CN]', '') not in ('', e.get('Comment')),
       'Comment[zh_CN] is really translated', e.get('Comment[zh_CN]'))


def check_metainfo(path, desktop):
    ok(os.path.isfile(path), 'metainfo was built: %s' % path)
    rc, out = run(['appstreamcli', 'validate', '--no-net', '--explain', path])
    ok(rc == 0, 'appstreamcli validate --no-net passes', out)
    bad = [l for l in out.splitlines() if re.match(r'^[EW]: ', l)]
    ok(not bad, 'appstreamcli reports no error and no warning', '\n'.join(bad))
    rc, out = run(['appstreamcli', 'validate', '--no-net', '--pedantic', path])
    print('# pedantic: ' + ' | '.join(out.strip().splitlines()))
    root = ET.parse(path).getroot()
    app_id = os.path.basename(path)[:-len('.metainfo.xml')]
    ok(root.get('type') == 'desktop-application', 'component type desktop-application')
    ok(root.findtext('id') == app_id, 'id is %s' % app_id, root.findtext('id'))
    ok(root.findtext('metadata_license') == 'CC0-1.0', 'metadata_license CC0-1.0')
    ok(root.findtext('project_license') == 'GPL-3.0-or-later', 'project_license GPL-3.0-or-later')
    launch = root.find('launchable')
    ok(launch is not None and launch.get('type') == 'desktop-id'
       and launch.text == os.path.basename(desktop), 'launchable names the desktop file')
    bins = sorted(b.text for b in root.findall('provides/binary'))
    ok(bins == ['tripdesk', 'tripdesk-server', 'tripdesk-sim'], 'provides the three binaries', bins)
    rel = root.findall('releases/release')
    ok(any(r.get('version') == '0.1.0' and r.get('date') for r in rel), 'release 0.1.0 with a date')
    cr = root.find('content_rating')
    ok(cr is not None and cr.get('type') == 'oars-1.1', 'content_rating oars-1.1')
    shots = [i.text for i in root.findall('screenshots/screenshot/image')]
    ok(shots and shots[0].startswith('https://') and shots[0].endswith('docs/screenshots/demo.png'),
       'the default screenshot is docs/screenshots/demo.png', shots)
    ok(all(s.startswith('https://raw.githubusercontent.com/') and '/docs/screenshots/' in s for s in shots),
       'every screenshot is a raw URL of docs/screenshots/', shots)
    # the screenshot URL names a file of this repository, of the declared size
    srcdir = os.path.join(os.environ.get('G_TEST_SRCDIR', '.'), '..')
    for img in root.findall('screenshots/screenshot/image'):
        rel = img.text.split('/main/', 1)[-1]
        png = os.path.join(srcdir, rel)
        if not ok(os.path.isfile(png), 'screenshot %s is in the repository' % rel):
            continue
        with open(png, 'rb') as f:
            head = f.read(24)
        ok(head[:8] == b'\x89PNG\r\n\x1a\n', 'screenshot is a PNG')
        w, h = int.from_bytes(head[16:20], 'big'), int.from_bytes(head[20:24], 'big')
        ok((str(w), str(h)) == (img.get('width'), img.get('height')),
           'screenshot is %sx%s as declared' % (img.get('width'), img.get('height')), (w, h))
    ok(root.find("url[@type='homepage']") is not None, 'homepage url')
    ok(root.findtext('developer_name') or root.findtext('developer/name'), 'developer name')
    xml_lang = '{http://www.w3.org/XML/1998/namespace}lang'
    for lang in ('zh_CN', 'de'):
        ok(any(s.get(xml_lang) == lang for s in root.findall('summary')),
           'summary translated into %s' % lang)
        ok(any(p.get(xml_lang) == lang for p in root.findall('description/p')),
           'description translated into %s' % lang)
    icon_src = os.path.join(os.environ.get('G_TEST_SRCDIR', '.'), '..', 'data', 'icons',
                            'hicolor', 'scalable', 'apps', app_id + '.svg')
    ok(os.path.isfile(icon_src), 'an icon named after the id exists')
    e = read_desktop(desktop)
    ok(e.get('Icon') == app_id, 'desktop Icon= matches the metainfo id')


def check_icons(srcdir, app_id):
    svg = '{http://www.w3.org/2000/svg}'
    base = os.path.join(srcdir, 'data', 'icons', 'hicolor')
    for sub, name, size in (('scalable', app_id + '.svg', 128),
                            ('symbolic', app_id + '-symbolic.svg', 16)):
        path = os.path.join(base, sub, 'apps', name)
        if not ok(os.path.isfile(path), '%s icon exists' % sub, path):
            continue
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as e:
            ok(False, '%s icon is well-formed XML' % sub, e)
            continue
        ok(root.tag == svg + 'svg', '%s icon is SVG' % sub)
        vb = (root.get('viewBox') or '').split()
        ok(vb == ['0', '0', str(size), str(size)], '%s icon has viewBox 0 0 %d %d' % (sub, size, size), vb)
        ok(root.find('.//' + svg + 'image') is None, '%s icon embeds no bitmap' % sub)
        if sub == 'symbolic':
            colours = set(re.findall(r'#[0-9a-fA-F]{6}\b', open(path, encoding='utf-8').read()))
            ok(len(colours) <= 1, 'symbolic icon is single-coloured', colours)
    # renders with the pixbuf SVG loader, if the machine has one
    try:
        import gi
        gi.require_version('GdkPixbuf', '2.0')
        from gi.repository import GdkPixbuf
        formats = [f.get_name() for f in GdkPixbuf.Pixbuf.get_formats()]
    except Exception as e:  # no PyGObject / GdkPixbuf
        formats = []
    if 'svg' in formats:
        pb = GdkPixbuf.Pixbuf.new_from_file_at_size(
            os.path.join(base, 'scalable', 'apps', app_id + '.svg'), 64, 64)
        ok(pb.get_width() == 64 and pb.get_height() == 64, 'app icon renders at 64x64')
    else:
        skip('app icon renders', 'no GdkPixbuf SVG loader')


def check_schema(srcdir, app_id, build_dir):
    path = os.path.join(srcdir, 'data', app_id + '.gschema.xml')
    if not os.path.isfile(path):
        skip('GSettings schema', 'data/%s.gschema.xml does not exist yet' % app_id)
        return
    rc, out = run(['glib-compile-schemas', '--strict', '--dry-run',
                   os.path.join(srcdir, 'data')])
    ok(rc == 0 and not out.strip(), 'glib-compile-schemas --strict --dry-run is clean', out)
    root = ET.parse(path).getroot()
    ids = [s.get('id') for s in root.findall('schema')]
    ok(app_id in ids, 'a schema with id %s' % app_id, ids)
    paths = [s.get('path') for s in root.findall('schema') if s.get('path')]
    ok(all(p.startswith('/io/github/tripdesk/Tripdesk/') for p in paths),
       'schema paths live under /io/github/tripdesk/Tripdesk/', paths)
    ok(root.get('gettext-domain') in (None, 'tripdesk'), 'gettext-domain is tripdesk')
    compiled = os.path.join(build_dir, 'gschemas.compiled')
    ok(os.path.isfile(compiled), 'schema compiled into the build dir (GSETTINGS_SCHEMA_DIR)', compiled)
    env = dict(os.environ, GSETTINGS_SCHEMA_DIR=build_dir, GSETTINGS_BACKEND='memory')
    rc, out = run(['gsettings', 'list-recursively', app_id], env=env)
    ok(rc == 0 and out.strip(), 'gsettings reads the compiled schema', out)


def check_po(srcdir, build_po_dir):
    langs = linguas(srcdir)
    ok(sorted(langs) == ['de', 'zh_CN'], 'LINGUAS lists zh_CN and de', langs)
    for lang in langs:
        po = os.path.join(srcdir, 'po', lang + '.po')
        if not ok(os.path.isfile(po), '%s.po exists' % lang):
            continue
        rc, out = run(['msgfmt', '--check', '--check-accelerators=_', '--statistics',
                       '-o', os.devnull, po], env=dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE=''))
        ok(rc == 0, 'msgfmt --check %s.po' % lang, out)
        print('# %s: %s' % (lang, out.strip()))
        head = open(po, encoding='utf-8').read(4000)
        ok('charset=UTF-8' in head, '%s.po is UTF-8' % lang)
        ok('Language: %s\\n' % lang in head, '%s.po names its Language' % lang)
        ok('Plural-Forms:' in head, '%s.po has Plural-Forms' % lang)
        mo = os.path.join(build_po_dir, lang, 'LC_MESSAGES', 'tripdesk.mo')
        ok(os.path.isfile(mo), '%s catalogue compiled into the build dir' % lang, mo)


def check_po_complete(srcdir):
    """Every string of today's sources is translated in every language."""
    tmp = tempfile.mkdtemp(prefix='td-pot-')
    try:
        pot = os.path.join(tmp, 'tripdesk.pot')
        files = []
        for line in open(os.path.join(srcdir, 'po', 'POTFILES.in'), encoding='utf-8'):
            line = line.strip()
            if line and not line.startswith('#'):
                files.append(line)
        missing = [f for f in files if not os.path.isfile(os.path.join(srcdir, f))]
        ok(not missing, 'every file of POTFILES.in exists', missing)
        files = [f for f in files if f not in missing]
        # the same keywords as meson's glib preset
        argv = ['xgettext', '--package-name=tripdesk', '--from-code=UTF-8',
                '--add-comments', '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2',
                '--keyword=NC_:1c,2', '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
                '--keyword=g_dpgettext2:2c,3', '--flag=N_:1:pass-c-format',
                '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
                '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
                '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
                '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
                '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
                '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format',
                '--flag=g_printf:1:c-format', '--flag=g_fprintf:2:c-format',
                '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
                '-o', pot] + files
        rc, out = run(argv, cwd=srcdir)
        if not ok(rc == 0 and os.path.isfile(pot), 'xgettext extracts the strings', out):
            return
        for lang in linguas(srcdir):
            po = os.path.join(srcdir, 'po', lang + '.po')
            merged = os.path.join(tmp, lang + '.po')
            rc, out = run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged, po, pot])
            if not ok(rc == 0, 'msgmerge %s.po' % lang, out):
                continue
            rc, untr = run(['msgattrib', '--untranslated', '--no-obsolete', '--no-location', merged])
            rc2, fuzzy = run(['msgattrib', '--only-fuzzy', '--no-obsolete', '--no-location', merged])
            ids = re.findall(r'^msgid "(.+)"', untr, re.M) + re.findall(r'^msgid "(.+)"', fuzzy, re.M)
            ok(not ids, '%s.po translates every string of the sources (%d missing)' % (lang, len(ids)),
               '\n'.join(ids[:40]) + ('\n…' if len(ids) > 40 else '') +
               '\n(run `ninja -C BUILD tripdesk-pot tripdesk-update-po` and translate)')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_install(builddir, prefix, bindir, datadir, localedir, app_id):
    destdir = tempfile.mkdtemp(prefix='td-destdir-')
    try:
        # everything installable must be built (a no-op after a full build;
        # `meson test --suite desktop` alone builds only the tests' deps)
        rc, out = run(['ninja', '-C', builddir])
        if not ok(rc == 0, 'the build is complete', out[-4000:]):
            return
        rc, out = run(['meson', 'install', '-C', builddir, '--no-rebuild',
                       '--destdir', destdir])
        if not ok(rc == 0, 'meson install --destdir succeeds', out[-4000:]):
            return

        def at(*parts):
            p = os.path.join(*parts)
            return os.path.join(destdir, p.lstrip('/'))

        # what meson says it installs, it installs
        rc, out = run(['meson', 'introspect', '--installed', builddir])
        installed = json.loads(out) if rc == 0 else {}
        absent = [dst for dst in installed.values() if not os.path.lexists(at(dst))]
        ok(rc == 0 and not absent, 'every file meson lists as installed is there', absent)

        rc, out = run(['meson', 'introspect', '--targets', builddir])
        targets = {t['name']: t for t in json.loads(out)} if rc == 0 else {}
        for exe in ('tripdesk', 'tripdesk-server', 'tripdesk-sim'):
            if exe not in targets:
                skip('%s installed' % exe, 'no target %s is defined yet' % exe)
                continue
            path = at(prefix, bindir, exe)
            ok(os.path.isfile(path) and os.access(path, os.X_OK),
               '%s installed to %s' % (exe, os.path.join(prefix, bindir)), path)

        share = os.path.join(prefix, datadir)
        expect = [
            ('desktop file', at(share, 'applications', app_id + '.desktop')),
            ('metainfo', at(share, 'metainfo', app_id + '.metainfo.xml')),
            ('scalable icon', at(share, 'icons', 'hicolor', 'scalable', 'apps', app_id + '.svg')),
            ('symbolic icon', at(share, 'icons', 'hicolor', 'symbolic', 'apps', app_id + '-symbolic.svg')),
            ('D-Bus service', at(share, 'dbus-1', 'services', app_id + '.service')),
        ]
        srcdir = os.path.join(os.environ.get('G_TEST_SRCDIR', '.'), '..')
        if os.path.isfile(os.path.join(srcdir, 'data', app_id + '.gschema.xml')):
            expect.append(('GSettings schema',
                           at(share, 'glib-2.0', 'schemas', app_id + '.gschema.xml')))
        else:
            skip('GSettings schema installed', 'no schema yet')
        for lang in linguas(srcdir):
            expect.append(('%s translation' % lang,
                           at(prefix, localedir, lang, 'LC_MESSAGES', 'tripdesk.mo')))
        for what, path in expect:
            ok(os.path.isfile(path), '%s installed at %s' % (what, path[len(destdir):]))
        service = at(share, 'dbus-1', 'services', app_id + '.service')
        if os.path.isfile(service):
            cp = configparser.ConfigParser(interpolation=None)
            cp.optionxform = str
            cp.read(service)
            sec = cp['D-BUS Service'] if cp.has_section('D-BUS Service') else {}
            ok(sec.get('Name') == app_id, 'D-Bus service Name= is the app id', sec.get('Name'))
            ok((sec.get('Exec') or '').split()[:2] ==
               [os.path.join(prefix, bindir, 'tripdesk'), '--gapplication-service'],
               'D-Bus service starts the installed tripdesk as a GApplication service',
               sec.get('Exec'))
        desktop = at(share, 'applications', app_id + '.desktop')
        if os.path.isfile(desktop):
            rc, out = run(['desktop-file-validate', desktop])
            ok(rc == 0, 'installed desktop file validates', out)
        # nothing lands outside the prefix (e.g. an absolute install_dir)
        stray = []
        for root, dirs, files in os.walk(destdir):
            for f in files:
                rel = '/' + os.path.relpath(os.path.join(root, f), destdir)
                if not rel.startswith(prefix.rstrip('/') + '/'):
                    stray.append(rel)
        ok(not stray, 'everything is installed under the prefix %s' % prefix, stray[:20])
    finally:
        shutil.rmtree(destdir, ignore_errors=True)


if __name__ == '__main__':
    what, args = sys.argv[1], sys.argv[2:]
    {
        'desktop-file': check_desktop_file,
        'metainfo': check_metainfo,
        'icons': check_icons,
        'schema': check_schema,
        'po': check_po,
        'po-complete': check_po_complete,
        'install': check_install,
    }[what](*args)
    done()
