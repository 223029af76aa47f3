#!/usr/bin/env bash
# Checks packaging/systemd/kmsgmon.service: `systemd-analyze verify` reports nothing (unknown
# keys, bad values, a missing binary), `systemd-analyze security --offline` rates its
# exposure at most 3.0 ("OK"), and its hardening is present (OOMScoreAdjust=-1000,
# NoNewPrivileges, a read-only file system, only /dev/kmsg readable, Restart=always).
# Usage: systemd_unit_test.sh UNIT KMSGMON   (KMSGMON: a built kmsgmon, stands in for /usr/bin)
# Skips (77) where systemd-analyze is not installed.
set -euo pipefail
unit=${1:?unit file}
kmsgmon=${2:?kmsgmon binary}
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null ||
    { echo "SKIP: systemd-analyze is not installed (package systemd)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for d in 'OOMScoreAdjust=-1000' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ReadOnlyPaths=/' \
         'ExecStart=/usr/bin/kmsgmon ' 'DeviceAllow=/dev/kmsg r' 'Restart=always'; do
    grep -q "^$d" "$unit" || fail "$unit lacks $d"
done
# The flags the unit passes must be ones kmsgmon --help lists (a kmsgmon without --hub, which
# predates them, skips this check).
# (--help is read once: grep -q on a pipe would end it early, and pipefail would call that a
# failure.)
help=$("$kmsgmon" --help)
if grep -q -- --hub <<<"$help"; then
    for f in $(sed -n 's/^ExecStart=[^ ]*//p' "$unit"); do
        grep -q -- "$f" <<<"$help" || fail "the unit passes $f, which kmsgmon --help does not list"
    done
    echo "ok: kmsgmon knows every flag the unit passes"
else
    echo "note: kmsgmon has no --hub yet; flag check not run"
fi
# The installed path does not exist here: verify a copy that runs the built binary.
sed "s|^ExecStart=/usr/bin/kmsgmon|ExecStart=$kmsgmon|" "$unit" > "$tmp/kmsgmon.service"
out=$(systemd-analyze verify "$tmp/kmsgmon.service" 2>&1) || fail "systemd-analyze verify failed: $out"
# verify exits 0 on unknown keys and bad values: any line naming the unit is a defect.
if grep -F "kmsgmon.service" <<<"$out"; then fail "systemd-analyze verify complained (above)"; fi
echo "ok: systemd-analyze verify"
sec=$(systemd-analyze security --offline=true --threshold=30 "$tmp/kmsgmon.service" 2>&1) ||
    fail "exposure above 3.0: $(tail -n 3 <<<"$sec")"
echo "ok: $(grep 'Overall exposure' <<<"$sec")"
