#!/usr/bin/env bash
# Builds faultline_<version>_<arch>.deb from the static binaries of packaging/build-static.sh,
# with dpkg-deb alone (no debhelper). The package has no dependencies: the binaries are static.
#
# Contents:
#   /usr/bin/{kmsgmon,supervisord-shim,cdp-proxy,faultline-tail}
#   /lib/systemd/system/kmsgmon.service        (not enabled on install: `systemctl enable --now kmsgmon`)
#   /etc/default/faultline-kmsgmon             (conffile: FAULTLINE_* settings for the unit)
#   /usr/share/faultline/supervisord/          (entries for supervisord's conf.d/, and an example supervisord.conf)
#   /usr/share/doc/faultline/                  (README.md, LICENSE, copyright, openapi.yaml)
#
# Usage: packaging/build-deb.sh [--bin-dir DIR] [--out DIR]
#   --bin-dir DIR  the static binaries (default build-static/dist; env FAULTLINE_STATIC_DIR)
#   --out DIR      where the .deb goes (default build-static; env FAULTLINE_DEB_OUT)
# Prints the path of the .deb. Exit codes: 0 built; 1 an input is missing or dpkg-deb failed; 2 usage.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin_dir=${FAULTLINE_STATIC_DIR:-build-static/dist}
out=${FAULTLINE_DEB_OUT:-build-static}
while [ $# -gt 0 ]; do
    case "$1" in
        --bin-dir) bin_dir=${2:?--bin-dir needs a directory}; shift 2 ;;
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "build-deb.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
die() { printf 'build-deb.sh: %s\n' "$*" >&2; exit 1; }

programs=(kmsgmon supervisord-shim cdp-proxy faultline-tail)
for p in "${programs[@]}"; do
    [ -x "$bin_dir/$p" ] || die "$bin_dir/$p missing: run packaging/build-static.sh first"
    file -b "$bin_dir/$p" | grep -q 'statically linked' || die "$bin_dir/$p is not statically linked"
done
version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" meson.build | head -n1)
[ -n "$version" ] || die "no project version in meson.build"
arch=$(dpkg --print-architecture)
mkdir -p "$out"
stage=$(mktemp -d "$out/deb-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# Installs file $1 as $stage/$3 with mode $2.
put() { install -D -m "$2" "$1" "$stage/$3"; }

for p in "${programs[@]}"; do put "$bin_dir/$p" 0755 "usr/bin/$p"; done
put packaging/systemd/kmsgmon.service 0644 lib/systemd/system/kmsgmon.service
for f in packaging/supervisord/*.conf packaging/supervisord/*.example; do
    if [ -f "$f" ]; then put "$f" 0644 "usr/share/faultline/supervisord/$(basename "$f")"; fi
done
doc=usr/share/doc/faultline
put README.md 0644 "$doc/README.md"
put LICENSE 0644 "$doc/LICENSE"
put LICENSE 0644 "$doc/copyright"
put packaging/openapi.yaml 0644 "$doc/openapi.yaml"

mkdir -p "$stage/etc/default"
cat > "$stage/etc/default/faultline-kmsgmon" <<'EOF'
# Settings for kmsgmon.service: FAULTLINE_* variables, each the twin of a kmsgmon flag
# (`kmsgmon --help` lists them all). The unit passes --mlock; the hub defaults to loopback.
#FAULTLINE_HUB=http://127.0.0.1:10001
EOF
chmod 0644 "$stage/etc/default/faultline-kmsgmon"

mkdir -p "$stage/DEBIAN"
cat > "$stage/DEBIAN/control" <<EOF
Package: faultline
Version: $version
Architecture: $arch
Maintainer: faultline developers <faultline@localhost>
Section: admin
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Suggests: supervisor, chromium
Description: failure telemetry for browser VMs
 Three small static programs that turn what kills a Chromium VM into one ordered,
 typed event stream: kmsgmon (kernel OOM kills and memory pressure), supervisord-shim
 (crashed supervisord services) and cdp-proxy (the CDP proxy in front of Chromium and
 the telemetry hub with its Server-Sent Events stream), and faultline-tail, a terminal
 view of one hub's stream or of a fleet's NATS stream.
EOF
echo /etc/default/faultline-kmsgmon > "$stage/DEBIAN/conffiles"
# Maintainer scripts only tell a running systemd about the unit; nothing is started.
cat > "$stage/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
exit 0
EOF
cat > "$stage/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then systemctl stop kmsgmon.service || true; fi
exit 0
EOF
cat > "$stage/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
exit 0
EOF
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"
chmod -R u+rwX,go+rX,go-w "$stage"
chmod 0755 "$stage"

deb=$out/faultline_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null || die "dpkg-deb failed"
case "$deb" in /*) echo "$deb" ;; *) echo "$root/$deb" ;; esac
