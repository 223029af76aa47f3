#!/usr/bin/env bash
# The README's first command as written, from a fresh clone: `packaging/run-local.sh` builds
# its own tree (build-local/), starts everything, and shows events; the demo service's first
# crash (after 45 s) must reach the terminal. --duration stops it; it must exit 0 and leave
# nothing behind. Ports are moved off the defaults so a running faultline is not disturbed.
#   readme_command_test.sh SOURCE_ROOT
set -uo pipefail
root=$1
[ -x /usr/bin/chromium ] || { echo "SKIP: /usr/bin/chromium is not installed"; exit 77; }
git -C "$root" rev-parse --git-dir >/dev/null 2>&1 || { echo "SKIP: $root is not a git clone"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/faultline" || { echo "FAIL: git clone"; exit 1; }
base=$((20000 + RANDOM % 20000))
out=$work/out err=$work/err
(cd "$work/faultline" && FAULTLINE_API_PORT=$base FAULTLINE_CDP_PORT=$((base + 1)) \
    FAULTLINE_CHROMIUM_PORT=$((base + 2)) FAULTLINE_RAW=1 \
    packaging/run-local.sh --duration 60 >"$out" 2>"$err")
rc=$?
fail() { echo "FAIL: $*"; echo "--- stdout"; tail -50 "$out"; echo "--- stderr"; tail -50 "$err"; exit 1; }
[ "$rc" = 0 ] || fail "run-local.sh exited $rc"
[ -x "$work/faultline/build-local/cdp-proxy/cdp-proxy" ] || fail "it did not build build-local/"
grep -q "telemetry/stream" "$err" || fail "no stream URL printed"
grep '"type":"service_crashed"' "$out" | grep -q '"service_name":"demo-crasher"' ||
    fail "the demo service's crash did not reach the terminal"
run_dir=$(grep -o '/tmp/faultline-run\.[A-Za-z0-9]*' "$err" | head -1)
[ -n "$run_dir" ] && [ ! -e "$run_dir" ] || fail "run dir ${run_dir:-?} left behind"
echo "PASS: the README's first command built, ran, showed a crash and stopped cleanly"
