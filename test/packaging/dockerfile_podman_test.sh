#!/bin/bash
# Builds packaging/Dockerfile.example with podman and runs it: kmsgmon, the shim and cdp-proxy
# must be RUNNING under the image's supervisord and the hub must answer /healthz inside.
# What it proves: the runtime stage (packages, user, directories, supervisord config and
# entries, CMD, the documented capabilities) as written. What it does not: the build stage
# (install-deps.sh --static, build-static.sh; checked by packaging/static-binaries). There is
# no registry, so RUNTIME_IMAGE is a Debian root filesystem made here by mmdebstrap from this
# machine's apt sources, and the build stage is replaced by a build context holding the
# binaries: build-static/dist when packaging/static-binaries produced it earlier in the run,
# else the normal build's (dynamically linked; their Debian libraries go into the image).
# The shim is checked end to end: kmsgmon is killed, its service_crashed (service_name kmsgmon)
# must be in the hub's /telemetry/events.
# Usage: dockerfile_podman_test.sh KMSGMON SHIM CDP_PROXY FAULTLINE_TAIL. Exit 77 where podman cannot run.
set -u
src=${FAULTLINE_SOURCE_ROOT:?FAULTLINE_SOURCE_ROOT (meson passes the source root)}
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || skip "rootful podman needs root"
command -v podman >/dev/null || skip "podman is not installed (install-deps.sh --test)"
command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed (install-deps.sh --test)"
podman=(podman --runtime runc --cgroup-manager=cgroupfs)
limits=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

work=$(mktemp -d /var/tmp/faultline-dockerfile.XXXXXX)
tag=$(basename "$work" | tr 'A-Z.' 'a-z-')
base=localhost/$tag-base:latest image=localhost/$tag:latest ctr=$tag
cleanup() {
    "${podman[@]}" rm -f -t 0 "$ctr" >/dev/null 2>&1
    "${podman[@]}" rmi -f "$image" "$base" >/dev/null 2>&1
    rm -rf --one-file-system "$work"  # never into a killed mmdebstrap's /proc or /sys mounts
}
trap cleanup EXIT

# The binaries, as the build stage would leave them (/src/build-static/dist).
dist=$work/ctx/src/build-static/dist
mkdir -p "$dist"
static=$src/build-static/dist
programs=(kmsgmon supervisord-shim cdp-proxy faultline-tail)
if [ -x "$static/kmsgmon" ] && [ -x "$static/supervisord-shim" ] && [ -x "$static/cdp-proxy" ] &&
    [ -x "$static/faultline-tail" ]; then
    for p in "${programs[@]}"; do cp "$static/$p" "$dist/"; done
    echo "binaries: static, from $static"
else
    cp "$1" "$dist/kmsgmon" && cp "$2" "$dist/supervisord-shim" && cp "$3" "$dist/cdp-proxy" &&
        cp "$4" "$dist/faultline-tail" || fail "cannot copy the built binaries"
    echo "binaries: the normal build's (dynamically linked)"
fi
# The Debian packages holding the libraries they link (none for the static ones).
libpkgs=$(for b in "$dist"/*; do ldd "$b" 2>/dev/null | awk '$3 ~ /^\// {print $3}'; done |
    sort -u | while read -r lib; do dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
        dpkg -S "$lib" 2>/dev/null; done | cut -d: -f1 | sort -u | paste -sd, -)

# The base: the packages the Dockerfile installs, from this machine's configured Debian sources
# (the host's downloaded .debs are hard-linked in first, so only missing ones are fetched).
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && grep -q 'debian' "$f" && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || skip "no Debian apt source configured in /etc/apt/sources.list{,.d}"
include=supervisor,ca-certificates,chromium,fonts-liberation${libpkgs:+,$libpkgs}
echo "mmdebstrap --include=$include (sources: ${sources[*]})"
TMPDIR=$work mmdebstrap --quiet --variant=apt --include="$include" \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives && cp -l /var/cache/apt/archives/*.deb "$1"/var/cache/apt/archives/ 2>/dev/null || true' \
    bookworm "$work/root.tar" "${sources[@]}" >"$work/mmdebstrap.log" 2>&1 ||
    { tail -20 "$work/mmdebstrap.log" >&2; fail "mmdebstrap failed"; }
podman import "$work/root.tar" "$base" >/dev/null || fail "podman import failed"
rm -f "$work/root.tar"
"${podman[@]}" run --rm "${limits[@]}" --network none "$base" true >"$work/probe.log" 2>&1 ||
    { cat "$work/probe.log"; skip "podman cannot run containers here"; }

# The Dockerfile as written; its RUN apt-get update needs the host's network.
"${podman[@]}" build --quiet --network host "${limits[@]}" -f "$src/packaging/Dockerfile.example" \
    --build-arg RUNTIME_IMAGE="$base" --build-context build="$work/ctx" -t "$image" "$src" \
    >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; fail "podman build failed"; }

# The documented run line, minus the published port and the volume (a private network). The
# CDP proxy listens on 0.0.0.0 there, so it starts only with a token (or the opt-out).
"${podman[@]}" run -d --name "$ctr" "${limits[@]}" --network none \
    -e FAULTLINE_TOKEN="test-$RANDOM$RANDOM" --device /dev/kmsg \
    --cap-add SYSLOG --cap-add SYS_RESOURCE --cap-add IPC_LOCK "$image" >/dev/null ||
    fail "podman run failed"

status=
for _ in $(seq 60); do
    sleep 1
    status=$("${podman[@]}" exec "$ctr" supervisorctl -c /etc/supervisor/supervisord.conf status 2>&1)
    ok=1
    for p in kmsgmon cdp-proxy faultline-shim; do
        echo "$status" | grep -Eq "^$p(:[^ ]+)? +RUNNING" || ok=0
    done
    [ $ok = 1 ] && break
done
echo "$status"
dump() { for f in kmsgmon cdp-proxy supervisord-shim; do
    echo "--- $f.log"; "${podman[@]}" exec "$ctr" tail -20 "/var/log/faultline/$f.log"; done >&2; }
[ $ok = 1 ] || { dump; fail "kmsgmon, cdp-proxy and faultline-shim are not all RUNNING"; }
# Still running a few seconds later, with the same pids (supervisord restarts a crashing program).
pids() { echo "$1" | grep -E '^(kmsgmon|cdp-proxy|faultline-shim)' | grep -o 'pid [0-9]*' | paste -sd' ' -; }
before=$(pids "$status")
sleep 3
status=$("${podman[@]}" exec "$ctr" supervisorctl -c /etc/supervisor/supervisord.conf status 2>&1)
[ "$(pids "$status")" = "$before" ] || { echo "$status" >&2; dump; fail "a program did not stay up ($before)"; }
hub() { "${podman[@]}" exec "$ctr" python3 -c '
import sys, urllib.request
r = urllib.request.urlopen("http://127.0.0.1:10001" + sys.argv[1], timeout=5)
print(r.status, r.read().decode())' "$1" 2>&1; }
health=$(hub /healthz) || { dump; fail "the hub's /healthz does not answer: $health"; }
echo "healthz: $health"
case $health in 200*) ;; *) dump; fail "the hub's /healthz: $health" ;; esac
# The shim delivers to the hub: kill kmsgmon, expect a service_crashed ingested and kmsgmon back.
"${podman[@]}" exec "$ctr" supervisorctl -c /etc/supervisor/supervisord.conf signal KILL kmsgmon >/dev/null
for _ in $(seq 20); do
    sleep 1
    events=$(hub '/telemetry/events?since=0&limit=1000')
    crashed=$(echo "${events#* }" | python3 -c '
import json, sys
page = json.load(sys.stdin)
evs = page.get("events", page) if isinstance(page, dict) else page
print("\n".join(json.dumps(e) for e in evs
                if e.get("type") == "service_crashed" and "kmsgmon" in json.dumps(e)))' 2>/dev/null)
    [ -n "$crashed" ] && break
done
[ -n "$crashed" ] || { echo "$events" >&2; dump; fail "no service_crashed for kmsgmon reached the hub after it was killed"; }
echo "hub: $crashed"
# kmsgmon's start-up line says what it watches: the container's own memory cgroup.
klog=$("${podman[@]}" exec "$ctr" cat /var/log/faultline/kmsgmon.log)
echo "kmsgmon: $(echo "$klog" | head -3)"
echo "$klog" | grep -qi 'cgroup' || { dump; fail "kmsgmon's log does not name the cgroup it watches"; }
# faultline-tail ships in the image too, and runs there.
"${podman[@]}" exec "$ctr" faultline-tail --version >/dev/null ||
    { dump; fail "faultline-tail does not run in the image"; }
echo "PASS: Dockerfile.example built with podman; kmsgmon, the shim and cdp-proxy run under supervisord"
