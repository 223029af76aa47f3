#!/usr/bin/env bash
# Builds the .deb with packaging/build-deb.sh from the static binaries and checks it:
#   - `dpkg-deb -I`: Package, Version (the project version), Architecture (this machine's),
#     no Depends (the binaries are static), the conffile;
#   - `dpkg-deb -c`: the binaries (faultline-tail too) in /usr/bin (mode 0755, owned by root), the systemd
#     unit, the supervisord entries, the docs;
#   - the extracted binaries are the static ones and run `--version`.
# Static binaries as in static_test.sh: FAULTLINE_STATIC_DIR, else packaging/build-static.sh
# (cached build tree). Skips (77) in a sanitizer build (the plain pass checks the package).
set -euo pipefail
source_root=${FAULTLINE_SOURCE_ROOT:?FAULTLINE_SOURCE_ROOT (meson passes the source root)}
version=${FAULTLINE_VERSION:?FAULTLINE_VERSION (meson passes the project version)}
dir=${FAULTLINE_STATIC_DIR:-}
if [ -z "$dir" ]; then
    if [ "${FAULTLINE_SANITIZE:-none}" != none ]; then
        echo "SKIP: sanitizer build (${FAULTLINE_SANITIZE}); the package is checked once, in the plain build"
        exit 77
    fi
    builddir=${FAULTLINE_STATIC_BUILDDIR:-$source_root/build-static}
    "$source_root/packaging/build-static.sh" --builddir "$builddir" >/dev/null ||
        { echo "FAIL: packaging/build-static.sh failed" >&2; exit 1; }
    dir=$builddir/dist
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

deb=$("$source_root/packaging/build-deb.sh" --bin-dir "$dir" --out "$tmp") || fail "build-deb.sh failed"
arch=$(dpkg --print-architecture)
[ "$deb" = "$tmp/faultline_${version}_${arch}.deb" ] || fail "build-deb.sh printed '$deb'"
[ -f "$deb" ] || fail "no package at $deb"

# Prints control field $1 of the package.
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = faultline ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), expected $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ -z "$(field Depends)" ] || fail "static binaries need no Depends, got: $(field Depends)"
[ -n "$(field Description)" ] || fail "no Description"
[ "$(field Installed-Size)" -gt 0 ] || fail "Installed-Size: $(field Installed-Size)"
info=$(dpkg-deb -I "$deb")
[[ $info == *"conffiles"* && $info == *"postinst"* ]] || fail "dpkg-deb -I lacks conffiles/postinst: $info"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/default/faultline-kmsgmon ||
    fail "conffiles does not list /etc/default/faultline-kmsgmon"
echo "ok: control fields ($(field Package) $(field Version) $(field Architecture))"

listing=$(dpkg-deb -c "$deb")
# Checks that the listing has path $1 (with mode string $2 when given), owned by root.
has() {
    local line
    line=$(awk -v p="./$1" '$6 == p' <<<"$listing")
    [ -n "$line" ] || fail "package lacks /$1; it has:
$listing"
    [[ $line == *" root/root "* ]] || fail "/$1 is not owned by root: $line"
    [ -z "${2:-}" ] || [[ $line == "$2 "* ]] || fail "/$1 has mode ${line%% *}, expected $2"
}
for p in kmsgmon supervisord-shim cdp-proxy faultline-tail; do has "usr/bin/$p" -rwxr-xr-x; done
has lib/systemd/system/kmsgmon.service -rw-r--r--
has etc/default/faultline-kmsgmon -rw-r--r--
for f in chromium.conf faultline-cdp-proxy.conf faultline-kmsgmon.conf supervisord.conf.example; do
    has "usr/share/faultline/supervisord/$f" -rw-r--r--
done
for f in README.md copyright openapi.yaml; do has "usr/share/doc/faultline/$f" -rw-r--r--; done
echo "ok: package contents"

dpkg-deb -x "$deb" "$tmp/root"
for p in kmsgmon supervisord-shim cdp-proxy faultline-tail; do
    cmp -s "$tmp/root/usr/bin/$p" "$dir/$p" || fail "/usr/bin/$p in the package differs from $dir/$p"
    out=$("$tmp/root/usr/bin/$p" --version) || fail "packaged $p --version failed"
    [ "$out" = "$p $version" ] || fail "packaged $p --version printed '$out'"
done
echo "ok: packaged binaries are the static ones and run"
