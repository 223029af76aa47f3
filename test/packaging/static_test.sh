#!/usr/bin/env bash
# Checks the static binaries from packaging/build-static.sh on a root without shared libraries:
#   1. `file` says statically linked and stripped; `ldd` says "not a dynamic executable";
#   2. each binary runs `--version` and `--help` from an EMPTY chroot (only the binary in it);
#   3. loopback-probe (cpp-httplib server + client, static getaddrinfo) round-trips over
#      127.0.0.1 in an empty chroot (and ::1 where the host has IPv6 loopback);
#   4. when the built hub and shim have their delivery flags (--api-listen, --hub),
#      cdp-proxy's hub and supervisord-shim run in one empty chroot and a crash event fed to
#      the shim arrives at the hub.
# The binaries: see static_dist.sh (FAULTLINE_STATIC_DIR, or packaging/build-static.sh's
# dist/). Skips (77) in a sanitizer build and when this machine cannot chroot.
set -euo pipefail
source "$(dirname "$0")/static_dist.sh"
version=${FAULTLINE_VERSION:?FAULTLINE_VERSION (meson passes the project version)}
probe=${FAULTLINE_STATIC_PROBE:-$dir/../packaging/static-probe/loopback-probe}
programs=(kmsgmon supervisord-shim cdp-proxy faultline-tail)
tmp=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. linkage
for p in "${programs[@]}"; do
    bin=$dir/$p
    [ -x "$bin" ] || fail "$bin missing (did packaging/build-static.sh fail?)"
    desc=$(file -b "$bin")
    [[ $desc == *"statically linked"* ]] || fail "$p: file says: $desc"
    [[ $desc == *"not stripped"* ]] && fail "$p is not stripped: $desc"
    out=$(ldd "$bin" 2>&1 || true)
    [[ $out == *"not a dynamic executable"* ]] || fail "$p: ldd says: $out"
    echo "ok: $p is static and stripped ($(stat -c %s "$bin") bytes)"
done

# The chroot command: as root directly, else in a user namespace. chroot execs the program,
# so a background job's $! is the program itself.
if [ "$(id -u)" = 0 ] && chroot / true 2>/dev/null; then
    chroot_cmd=(chroot)
elif unshare -r chroot / true 2>/dev/null; then
    chroot_cmd=(unshare -r chroot)
else
    echo "SKIP: cannot chroot here (not root, no unprivileged user namespaces); linkage checks passed"
    exit 77
fi
in_chroot() { "${chroot_cmd[@]}" "$@"; }
# Prints the path of a new empty directory holding only copies of the given files.
empty_root() {
    local r
    r=$(mktemp -d "$tmp/root.XXXX")
    cp "$@" "$r/"
    printf '%s\n' "$r"
}

# 2. --version and --help with nothing else on the root
for p in "${programs[@]}"; do
    root=$(empty_root "$dir/$p")
    [ "$(find "$root" -mindepth 1 | wc -l)" = 1 ] || fail "chroot of $p is not empty"
    out=$(in_chroot "$root" "/$p" --version) || fail "$p --version failed in an empty chroot"
    [ "$out" = "$p $version" ] || fail "$p --version printed '$out', expected '$p $version'"
    out=$(in_chroot "$root" "/$p" --help) || fail "$p --help failed in an empty chroot"
    [[ $out == "Usage: $p"* ]] || fail "$p --help does not start with 'Usage: $p': ${out:0:200}"
    echo "ok: $p --version/--help in an empty chroot"
done

# 3. the static HTTP stack on numeric loopback
if [ -x "$probe" ]; then
    root=$(empty_root "$probe")
    addrs=(127.0.0.1)
    grep -q ' lo$' /proc/net/if_inet6 2>/dev/null && addrs+=(::1)
    for a in "${addrs[@]}"; do
        out=$(in_chroot "$root" /loopback-probe "$a") || fail "loopback-probe $a failed in an empty chroot"
        [[ $out == "$a "*" ok" ]] || fail "loopback-probe $a printed: $out"
        echo "ok: cpp-httplib round trip on $a in an empty chroot"
    done
elif [ $built = 1 ]; then
    fail "build-static.sh built no loopback-probe at $probe"
else
    echo "note: no loopback-probe at $probe (set FAULTLINE_STATIC_PROBE); skipped that check"
fi

# 4. hub + shim end to end in one empty chroot (needs cdp-proxy --api-listen and shim --hub)
proxy_help=$("$dir/cdp-proxy" --help)
shim_help=$("$dir/supervisord-shim" --help)
if [[ $proxy_help != *--api-listen* || $proxy_help != *--cdp-listen* || $shim_help != *--hub* ]]; then
    echo "note: cdp-proxy has no --api-listen/--cdp-listen or the shim no --hub yet; end-to-end check not run"
    exit 0
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
root=$(empty_root "$dir/cdp-proxy" "$dir/supervisord-shim")
mkdir "$root/data"
api=$(free_port)
cdp=$(free_port)
"${chroot_cmd[@]}" "$root" /cdp-proxy --api-listen "127.0.0.1:$api" --cdp-listen "127.0.0.1:$cdp" \
    --data-dir /data 2>"$tmp/proxy.log" &
pids+=($!)
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$api/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$api/healthz" >/dev/null ||
    fail "the static hub in an empty chroot did not answer /healthz: $(cat "$tmp/proxy.log")"
payload='processname:crasher groupname:crasher from_state:RUNNING expected:0 pid:4242'
header="ver:3.0 server:supervisor serial:1 pool:faultline-shim poolserial:1 eventname:PROCESS_STATE_EXITED len:${#payload}"
printf '%s\n%s' "$header" "$payload" |
    in_chroot "$root" /supervisord-shim --hub "http://127.0.0.1:$api" >"$tmp/shim.out" 2>"$tmp/shim.log" ||
    fail "the static shim failed in an empty chroot: $(cat "$tmp/shim.log")"
[ "$(cat "$tmp/shim.out")" = "$(printf 'READY\nRESULT 2\nOKREADY')" ] ||
    fail "shim protocol bytes: $(od -c "$tmp/shim.out" | head)"
for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$api/telemetry/events?since=0" >"$tmp/events.json" 2>/dev/null &&
        grep -q '"service_crashed"' "$tmp/events.json" && grep -q '"crasher"' "$tmp/events.json" && break
    sleep 0.1
done
grep -q '"service_crashed"' "$tmp/events.json" ||
    fail "service_crashed from the static shim never reached the static hub: $(cat "$tmp/shim.log" "$tmp/proxy.log")"
echo "ok: static shim -> static hub over 127.0.0.1, both in an empty chroot"
