#!/usr/bin/env bash
# Runs `packaging/run-local.sh --nats` against this build: it starts a nats-server -js of its
# own, the hub exports to it, and faultline-tail --nats (the fleet view the banner prints)
# reads back an event posted to the hub, with the hub's host. Then --duration ends it all and
# the nats-server is gone with the rest. With `url`, the test starts a nats-server of its own
# and hands run-local.sh only FAULTLINE_NATS=<its URL> (cdp-proxy's meaning of the variable):
# run-local.sh must use that server, and leave it running when it ends.
#   run_local_nats_test.sh SOURCE_ROOT BUILD_DIR [url]
set -uo pipefail
root=$1 build=$2 mode=${3:-own}
[ -x /usr/bin/chromium ] || { echo "SKIP: /usr/bin/chromium is not installed"; exit 77; }
command -v supervisord >/dev/null || { echo "SKIP: supervisord is not installed"; exit 77; }
command -v nats-server >/dev/null || { echo "SKIP: nats-server is not installed"; exit 77; }

base=$((20000 + RANDOM % 20000))
api=$base cdp=$((base + 1)) chromium=$((base + 2)) nats=$((base + 3))
out=$(mktemp) err=$(mktemp) store=$(mktemp -d)
server=""
trap 'rm -f "$out" "$err"; [ -z "$server" ] || kill "$server" 2>/dev/null; rm -rf "$store"' EXIT
if [ "$mode" = url ]; then
    nats-server -js -a 127.0.0.1 -p "$nats" -sd "$store" >/dev/null 2>&1 &
    server=$!
    FAULTLINE_NATS="nats://127.0.0.1:$nats" "$root/packaging/run-local.sh" --bin-dir "$build" \
        --api-port "$api" --cdp-port "$cdp" --chromium-port "$chromium" --duration 15 \
        >"$out" 2>"$err" &
else
    "$root/packaging/run-local.sh" --nats --nats-port "$nats" --bin-dir "$build" --api-port "$api" \
        --cdp-port "$cdp" --chromium-port "$chromium" --duration 15 >"$out" 2>"$err" &
fi
pid=$!
fail() { echo "FAIL: $*"; echo "--- stderr"; cat "$err"; kill -TERM "$pid" 2>/dev/null; exit 1; }

# The banner comes once the hub answers.
for _ in $(seq 300); do
    grep -q "faultline-tail --nats nats://127.0.0.1:$nats --nats-from start" "$err" && break
    sleep 0.1
done
grep -q "faultline-tail --nats nats://127.0.0.1:$nats --nats-from start" "$err" ||
    fail "the banner does not show the fleet view"
event='{"type":"service_crashed","source":{"kind":"test"},"id":"nats-test:1","data":'
event+='{"service_name":"natsdemo","group_name":"natsdemo","from_state":"RUNNING","pid":4242,'
event+='"expected":false,"fatal":false}}'
curl -fsS -X POST "http://127.0.0.1:$api/telemetry/events" -d "$event" >/dev/null ||
    fail "cannot post to the hub"
# faultline-tail waits for the stream if the hub's sink has not created it yet.
tail_err=$(mktemp)
line=$(timeout 30 "$build/cdp-proxy/faultline-tail" --nats "nats://127.0.0.1:$nats" \
    --nats-from start --types service_crashed --count 1 2>"$tail_err") || true
[ -n "$line" ] || fail "faultline-tail --nats saw nothing: $(cat "$tail_err")"
rm -f "$tail_err"
host=$(hostname)
case "$line" in
    "${host%%.*}"*service_crashed*" natsdemo pid 4242 from RUNNING  [test]") echo "fleet view: $line" ;;
    *) fail "unexpected line: $line" ;;
esac
wait "$pid" || fail "run-local.sh exited $?"
if [ "$mode" = url ]; then
    kill -0 "$server" 2>/dev/null || fail "run-local.sh stopped the nats-server it was given"
    echo "ok - FAULTLINE_NATS=<url> run-local.sh"
    exit 0
fi
if curl -s -o /dev/null "http://127.0.0.1:$nats" 2>/dev/null ||
    (exec 3<>"/dev/tcp/127.0.0.1/$nats") 2>/dev/null; then
    fail "nats-server still listens on $nats after run-local.sh ended"
fi
echo "ok - run-local.sh --nats"
