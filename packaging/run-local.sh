#!/usr/bin/env bash
# Runs faultline on this machine in the foreground: Chromium headless, cdp-proxy (hub + CDP
# proxy), kmsgmon and supervisord-shim under a supervisord of its own, plus a demo service that
# crashes now and then. Shows the live event stream; Ctrl-C stops everything and removes what
# it created. Run with --help for the flags.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
api_port=${FAULTLINE_API_PORT:-10001}
cdp_port=${FAULTLINE_CDP_PORT:-9222}
chromium_port=${FAULTLINE_CHROMIUM_PORT:-9223}
data_dir=${FAULTLINE_DATA_DIR:-}
bin_dir=${FAULTLINE_BIN_DIR:-}
demo=${FAULTLINE_DEMO:-0}
duration=${FAULTLINE_DURATION:-0}
raw=${FAULTLINE_RAW:-0}
chromium=${FAULTLINE_CHROMIUM:-/usr/bin/chromium}
nats=${FAULTLINE_NATS:-0}
nats_url=${FAULTLINE_NATS_URL:-}
# FAULTLINE_NATS is this script's switch (1); a URL in it, as cdp-proxy reads it, is --nats-url.
case "$nats" in 0 | 1 | "") ;; *) nats_url=${nats_url:-$nats} nats=1 ;; esac
nats_port=${FAULTLINE_NATS_PORT:-4222}

usage() {
    cat <<EOF
Usage: packaging/run-local.sh [OPTIONS]

Installs what is missing (Debian packages), builds faultline, and runs it in the foreground:
Chromium headless, cdp-proxy (the telemetry hub and the CDP proxy), kmsgmon and
supervisord-shim under a supervisord of its own, and a demo service that crashes now and
then. Prints where to connect and shows every event as one readable line (colour only on
a terminal, and not when NO_COLOR is set).
Ctrl-C stops everything and removes what it created.

Options (each also read from its environment variable):
  --demo               also cause one of each event within 30 s: a service crash, a real
                       OOM kill in a memory cgroup, a capture with page and network events,
                       a page crash linked to the OOM kill of its renderer, a CDP client
                       that sees Chromium restart, and a memory-pressure transition
                                                                         (FAULTLINE_DEMO=1)
  --api-port N         hub port on 127.0.0.1, default 10001       (FAULTLINE_API_PORT)
  --cdp-port N         CDP proxy port on 127.0.0.1, default 9222  (FAULTLINE_CDP_PORT)
  --chromium-port N    Chromium's own DevTools port, default 9223 (FAULTLINE_CHROMIUM_PORT)
  --data-dir DIR       keep the hub's journal here (default: a temporary directory that is
                       removed on exit)                              (FAULTLINE_DATA_DIR)
  --bin-dir DIR        use binaries from this meson build dir instead of building
                                                                     (FAULTLINE_BIN_DIR)
  --duration S         stop by itself after S seconds, 0 = run until Ctrl-C
                                                                     (FAULTLINE_DURATION)
  --nats               also export every event to NATS JetStream: starts a nats-server -js
                       of its own on 127.0.0.1 (stream FAULTLINE, subjects faultline.>)
                                                   (FAULTLINE_NATS=1, or a URL: --nats-url)
  --nats-port N        port of that nats-server, default 4222       (FAULTLINE_NATS_PORT)
  --nats-url URL       export to this NATS server or cluster instead of starting one
                       (implies --nats)                              (FAULTLINE_NATS_URL)
  --raw                show the JSON envelopes instead of readable lines (FAULTLINE_RAW=1)
  --help               print this help

Exit status: 0 after Ctrl-C or --duration, 1 when something fails to start.
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --demo) demo=1 ;;
        --raw) raw=1 ;;
        --nats) nats=1 ;;
        --nats-port) nats_port=$2; shift ;;
        --nats-url) nats=1; nats_url=$2; shift ;;
        --api-port) api_port=$2; shift ;;
        --cdp-port) cdp_port=$2; shift ;;
        --chromium-port) chromium_port=$2; shift ;;
        --data-dir) data_dir=$2; shift ;;
        --bin-dir) bin_dir=$2; shift ;;
        --duration) duration=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run-local.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# Bold only on a terminal (and not with NO_COLOR): a log file gets no escape codes.
say() {
    if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then
        printf '\033[1mfaultline:\033[0m %s\n' "$*" >&2
    else
        printf 'faultline: %s\n' "$*" >&2
    fi
}
die() { say "$*"; exit 1; }

# Builds into build-local/ unless --bin-dir names an existing build.
build() {
    [ -n "$bin_dir" ] && return
    "$root/packaging/install-deps.sh" --run
    bin_dir="$root/build-local"
    [ -f "$bin_dir/build.ninja" ] || meson setup "$bin_dir" "$root" --buildtype=release \
        -Dtests=false >/dev/null
    say "building in $bin_dir"
    ninja -C "$bin_dir" >/dev/null
}

run_dir=""
sup_pid=""
# Prints the process tree under $1 (children after their descendants), leaving out $2's tree.
descendants() {
    local child
    for child in $(pgrep -P "$1"); do
        [ "$child" = "${2:-}" ] && continue
        descendants "$child" "${2:-}"
        echo "$child"
    done
}

# Stops supervisord (it stops its programs) and everything else this script started (the
# demo, the viewer), waits up to 10 s for them, then removes the run directory.
cleanup() {
    trap - INT TERM EXIT
    set +e  # a process that is already gone must not cut the cleanup short
    [ -n "$sup_pid" ] && kill -TERM "$sup_pid" 2>/dev/null
    local pids left
    pids=$(descendants $$ "$sup_pid")
    [ -n "$pids" ] && kill -TERM $pids 2>/dev/null
    [ -n "$sup_pid" ] && wait "$sup_pid" 2>/dev/null
    for _ in $(seq 100); do
        left=$(for p in $pids; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
        [ -z "$left" ] && break
        sleep 0.1
    done
    [ -n "$run_dir" ] && rm -rf "$run_dir"
    say "stopped; removed ${run_dir:-nothing}"
}

# One supervisord program section.
program() {
    local name=$1 command=$2 extra=${3:-}
    cat <<EOF

[program:$name]
command=$command
autorestart=true
startsecs=1
stdout_logfile=$run_dir/$name.log
stderr_logfile=$run_dir/$name.err
$extra
EOF
}

write_supervisord_conf() {
    local hub="http://127.0.0.1:$api_port"
    local crash_after=$((demo == 1 ? 3 : 45))
    cat <<EOF
[unix_http_server]
file=$run_dir/supervisor.sock

[supervisord]
nodaemon=true
logfile=$run_dir/supervisord.log
pidfile=$run_dir/supervisord.pid
childlogdir=$run_dir

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$run_dir/supervisor.sock
EOF
    program chromium "$chromium --headless=new --no-sandbox --disable-gpu \
--remote-debugging-address=127.0.0.1 --remote-debugging-port=$chromium_port \
--user-data-dir=$run_dir/chromium-profile about:blank" \
        "stderr_logfile=$run_dir/chromium.log"
    local nats_flags=""
    if [ "$nats" = 1 ]; then
        nats_flags="--nats $nats_url"
        # Our own JetStream server, started before the hub (the sink would wait for it anyway).
        [ "$own_nats" = 1 ] && program nats-server "nats-server -js -a 127.0.0.1 \
-p $nats_port -sd $run_dir/nats" "priority=0"
    fi
    program cdp-proxy "$bin_dir/cdp-proxy/cdp-proxy --api-listen 127.0.0.1:$api_port \
--cdp-listen 127.0.0.1:$cdp_port --upstream 127.0.0.1:$chromium_port \
--chromium-log $run_dir/chromium.log --data-dir $data_dir $nats_flags" "priority=1"
    if [ -r /dev/kmsg ]; then
        program kmsgmon "$bin_dir/kmsgmon/kmsgmon --hub $hub $kmsgmon_args"
    fi
    program demo-crasher "$root/packaging/demo/crasher.sh $crash_after $run_dir/crasher.state"
    cat <<EOF

[eventlistener:faultline-shim]
command=$bin_dir/supervisord-shim/supervisord-shim --hub $hub
events=PROCESS_STATE_EXITED,PROCESS_STATE_FATAL
buffer_size=1024
stderr_logfile=$run_dir/faultline-shim.err
autorestart=true
EOF
}

# Waits up to 20 s for a URL to answer.
wait_http() {
    for _ in $(seq 200); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

start() {
    run_dir=$(mktemp -d /tmp/faultline-run.XXXXXX)
    [ -n "$data_dir" ] || data_dir="$run_dir/data"
    mkdir -p "$data_dir"
    kmsgmon_args=""
    # The demo tunes kmsgmon so that its 20 s squeeze counts as pressure (the defaults want
    # 10 % stall sustained for 30 s).
    [ "$demo" = 1 ] && kmsgmon_args="--psi-some '20000 1000000' --psi-full '10000 1000000' \
--psi-warning 5 --psi-critical 5 --psi-sustain 5"
    [ -r /dev/kmsg ] || say "note: /dev/kmsg is not readable here; kmsgmon is not started"
    own_nats=0
    if [ "$nats" = 1 ] && [ -z "$nats_url" ]; then
        command -v nats-server >/dev/null ||
            die "--nats needs nats-server (apt-get install nats-server), or give --nats-url"
        own_nats=1
        nats_url="nats://127.0.0.1:$nats_port"
    fi
    write_supervisord_conf >"$run_dir/supervisord.conf"
    # Its own log is in the run directory; the terminal shows the events. FAULTLINE_NATS is
    # this script's switch, not a URL for cdp-proxy's --nats twin.
    env -u FAULTLINE_NATS supervisord -c "$run_dir/supervisord.conf" >"$run_dir/supervisord.out" 2>&1 &
    sup_pid=$!
    if ! wait_http "http://127.0.0.1:$api_port/healthz"; then
        # The run directory goes with the exit: show why here.
        say "the hub did not answer on port $api_port within 20 s; the end of cdp-proxy's log:"
        tail -n 20 "$run_dir/cdp-proxy.err" >&2 2>/dev/null
        die "the hub did not start"
    fi
}

banner() {
    cat >&2 <<EOF

  live page            http://127.0.0.1:$api_port/
  event stream (SSE)   http://127.0.0.1:$api_port/telemetry/stream
  events as JSON       http://127.0.0.1:$api_port/telemetry/events?since=0
  metrics              http://127.0.0.1:$api_port/metrics
  CDP (Playwright)     chromium.connectOverCDP('http://127.0.0.1:$cdp_port')
  CDP (Puppeteer)      puppeteer.connect({browserURL: 'http://127.0.0.1:$cdp_port'})
  logs                 $run_dir
EOF
    [ "$nats" = 1 ] && cat >&2 <<EOF
  NATS JetStream       $nats_url (stream FAULTLINE, subjects faultline.<host>.>)
  the fleet view       $bin_dir/cdp-proxy/faultline-tail --nats $nats_url --nats-from start
EOF
    echo >&2
}

# --demo: a capture of page and network events, a real OOM kill, memory pressure, a page
# crash linked to the OOM kill of its renderer, and a CDP client that sees Chromium restart.
demo_events() {
    local cg="$root/packaging/demo/memory-cgroup.sh"
    curl -fsS -X PUT "http://127.0.0.1:$api_port/telemetry" -o /dev/null \
        -d '{"browser":{"page":{"enabled":true},"network":{"enabled":true}}}' ||
        say "demo: could not start a capture"
    sleep 2
    # A tab that loads something over HTTP (the hub's own /healthz): network_request and
    # network_response of a real page under the capture.
    curl -fsS -X PUT -o /dev/null \
        "http://127.0.0.1:$cdp_port/json/new?http%3A%2F%2F127.0.0.1%3A$api_port%2Fhealthz" ||
        say "demo: could not open a tab"
    if "$cg" oom "faultline-demo-oom-$$"; then
        "$cg" squeeze "faultline-demo-squeeze-$$" 20 || say "demo: could not squeeze memory here" &
        local browser
        browser=$(supervisorctl -s "unix://$run_dir/supervisor.sock" pid chromium)
        "$cg" page-oom "faultline-demo-page-$$" "127.0.0.1:$cdp_port" "$browser" ||
            say "demo: the page crash demo did not run"
    else
        say "demo: memory cgroups are not writable here; no OOM kill or memory pressure"
    fi
    "$root/packaging/demo/cdp-restart.sh" 127.0.0.1 "$cdp_port" "$run_dir/supervisor.sock" ||
        say "demo: the CDP restart demo did not run"
    wait
}

main() {
    build
    trap cleanup EXIT
    trap "cleanup; exit 0" INT TERM  # Ctrl-C and --duration are the normal way out
    start
    banner
    [ "$demo" = 1 ] && demo_events &
    [ "$duration" != 0 ] && (sleep "$duration"; kill -TERM $$) &
    local view=()
    [ "$raw" = 1 ] && view=(--raw)
    # In the background so that signals reach the trap at once.
    env -u FAULTLINE_NATS "$bin_dir/cdp-proxy/faultline-tail" --hub "http://127.0.0.1:$api_port" \
        --since 0 "${view[@]}" &
    wait $!
}

main
