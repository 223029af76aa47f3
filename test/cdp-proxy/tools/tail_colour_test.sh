#!/usr/bin/env bash
# faultline-tail against a real hub: colour on a terminal (a pty from script(1)), none when
# NO_COLOR is set or stdout is a pipe, and --raw keeps the JSON envelope.
#   tail_colour_test.sh CDP_PROXY FAULTLINE_TAIL
set -uo pipefail
proxy=$1 tail=$2
command -v script >/dev/null || { echo "SKIP: script(1) is not installed (bsdutils)"; exit 77; }
dir=$(mktemp -d)
port=$((40000 + RANDOM % 20000))
"$proxy" --api-listen "127.0.0.1:$port" --cdp-listen "127.0.0.1:$((port + 1))" \
    --upstream 127.0.0.1:1 --data-dir "$dir/data" >"$dir/log" 2>&1 &
hub=$!
trap 'kill "$hub" 2>/dev/null; wait "$hub" 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir/log"; exit 1; }
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
event='{"type":"service_crashed","source":{"kind":"test"},"id":"t:1","data":{"service_name":"svc",'
event+='"group_name":"svc","from_state":"RUNNING","pid":7,"expected":false,"fatal":false}}'
curl -fsS -o /dev/null -X POST "http://127.0.0.1:$port/telemetry/events" -d "$event" ||
    fail "cannot post to the hub"
run="$tail --hub http://127.0.0.1:$port --since 0 --count 1"
on_tty=$(timeout 20 script -qec "$run" /dev/null) || fail "faultline-tail on a pty failed"
no_colour=$(NO_COLOR=1 timeout 20 script -qec "$run" /dev/null) || fail "NO_COLOR run failed"
piped=$(timeout 20 $run | cat) || fail "piped run failed"
raw=$(timeout 20 $run --raw | cat) || fail "--raw run failed"
esc=$'\033'
[[ $on_tty == *"${esc}["*"service_crashed"*"svc pid 7 from RUNNING"* ]] || fail "no colour on a terminal: $on_tty"
[[ $no_colour != *"$esc"* && $no_colour == *"svc pid 7 from RUNNING"* ]] || fail "colour despite NO_COLOR: $no_colour"
[[ $piped != *"$esc"* && $piped == *" service_crashed "*"svc pid 7 from RUNNING  [test]" ]] ||
    fail "piped line: $piped"
[[ $raw == '{"seq":1,'*'"type":"service_crashed"'* ]] || fail "--raw is not the JSON envelope: $raw"
echo "PASS: colour on a terminal only, NO_COLOR honoured, --raw keeps JSON"
