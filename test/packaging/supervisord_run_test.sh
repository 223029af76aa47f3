#!/usr/bin/env bash
# Runs the shipped supervisord config for real: Debian's supervisord with
# supervisord.conf.example and chromium.conf (paths moved to a temp dir, free ports instead of
# 9222/9223/10001, the current user instead of `chromium`). Asserts Chromium comes up RUNNING
# and writes the "DevTools listening on ws://..." line to the log that faultline-cdp-proxy.conf
# passes as --chromium-log. When the built cdp-proxy and kmsgmon have --api-listen and --hub,
# their entries join: both reach RUNNING, the hub answers /healthz and the proxy answers /json/version.
# Usage: supervisord_run_test.sh SUPERVISORD_DIR CDP_PROXY KMSGMON
# Skips (77) without supervisord or Chromium, and in a sanitizer build (nothing of ours is
# exercised until the programs join; the plain pass runs it).
set -euo pipefail
conf_dir=${1:?supervisord dir}
cdp_proxy=${2:?cdp-proxy binary}
kmsgmon=${3:?kmsgmon binary}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "${FAULTLINE_SANITIZE:-none}" = none ] || { echo "SKIP: sanitizer build"; exit 77; }
command -v supervisord >/dev/null || { echo "SKIP: supervisord not installed"; exit 77; }
command -v chromium >/dev/null || { echo "SKIP: chromium not installed"; exit 77; }
tmp=$(mktemp -d)
sup_pid=
cleanup() {
    if [ -n "$sup_pid" ]; then
        kill -TERM "$sup_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$sup_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$sup_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
chromium_port=$(free_port) cdp_port=$(free_port) api_port=$(free_port)
me=$(id -un)
mkdir -p "$tmp/log" "$tmp/lib/chromium" "$tmp/conf.d"
# Copies config $1 to $2 with the machine-specific parts replaced.
place() {
    sed -e "s|/run/supervisor.sock|$tmp/supervisor.sock|; s|/run/supervisord.pid|$tmp/supervisord.pid|" \
        -e "s|/var/log/faultline|$tmp/log|g; s|/var/lib/faultline|$tmp/lib|g" \
        -e "s|^user=chromium$|user=$me|" \
        -e "s|9223|$chromium_port|g; s|0.0.0.0:9222|127.0.0.1:$cdp_port|g; s|10001|$api_port|g" \
        -e "s|^command=cdp-proxy|command=$cdp_proxy|; s|^command=kmsgmon|command=$kmsgmon|" \
        "$1" > "$2"
}
place "$conf_dir/supervisord.conf.example" "$tmp/supervisord.conf"
place "$conf_dir/chromium.conf" "$tmp/conf.d/chromium.conf"
programs=(chromium)
# --help is read whole: grep -q on a pipe ends it early, which pipefail calls a failure.
if grep -q -- --api-listen <<<"$("$cdp_proxy" --help)" && grep -q -- --hub <<<"$("$kmsgmon" --help)"; then
    place "$conf_dir/faultline-cdp-proxy.conf" "$tmp/conf.d/faultline-cdp-proxy.conf"
    place "$conf_dir/faultline-kmsgmon.conf" "$tmp/conf.d/faultline-kmsgmon.conf"
    programs+=(cdp-proxy kmsgmon)
else
    echo "note: cdp-proxy/kmsgmon lack --api-listen/--hub; running Chromium's entry alone"
fi

supervisord -c "$tmp/supervisord.conf" >"$tmp/supervisord.out" 2>&1 &
sup_pid=$!
log=$tmp/log/chromium.log
for _ in $(seq 300); do
    grep -q "DevTools listening on ws://127.0.0.1:$chromium_port/devtools/browser/" "$log" 2>/dev/null && break
    kill -0 "$sup_pid" 2>/dev/null || fail "supervisord exited: $(cat "$tmp/supervisord.out")"
    sleep 0.1
done
grep -q "DevTools listening on ws://127.0.0.1:$chromium_port/devtools/browser/" "$log" 2>/dev/null ||
    fail "no DevTools line in $log within 30 s: $(tail -n 20 "$log" 2>/dev/null) $(cat "$tmp/supervisord.out")"
echo "ok: Chromium's entry writes the DevTools URL to the log cdp-proxy follows"
for p in "${programs[@]}"; do
    state=
    for _ in $(seq 100); do
        state=$(supervisorctl -c "$tmp/supervisord.conf" status "$p" 2>&1 | awk '{print $2}') || true
        [ "$state" = RUNNING ] && break
        sleep 0.1
    done
    [ "$state" = RUNNING ] || fail "$p is $state: $(supervisorctl -c "$tmp/supervisord.conf" status 2>&1)"
    echo "ok: $p RUNNING under the shipped config"
done
if [ ${#programs[@]} -gt 1 ]; then
    curl -fsS --retry 50 --retry-delay 0 --retry-all-errors --max-time 10 \
        "http://127.0.0.1:$api_port/healthz" >/dev/null || fail "the hub does not answer /healthz"
    curl -fsS --retry 50 --retry-delay 0 --retry-all-errors --max-time 10 \
        "http://127.0.0.1:$cdp_port/json/version" | grep -q webSocketDebuggerUrl ||
        fail "the proxy does not answer /json/version"
    echo "ok: hub and proxy answer through the shipped entries"
fi
