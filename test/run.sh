#!/usr/bin/env bash
# The one test command: installs what is missing (Debian packages, npm test clients), builds,
# runs the whole suite, then builds again with clang under AddressSanitizer +
# UndefinedBehaviorSanitizer (plus the libFuzzer targets) and runs the suite again, then under
# ThreadSanitizer for the threaded components (ring, publisher, hub, relay and proxy).
# Usage: test/run.sh [--quick]   (--quick: skip the sanitizer passes)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
quick=0
[ "${1:-}" = "--quick" ] && quick=1

log() { printf '\n== %s\n' "$*"; }

log "packages"
bash packaging/install-deps.sh --test

if [ -f test/integration/package.json ]; then
    log "npm test clients"
    (cd test/integration && { [ -d node_modules ] && npm ls --silent >/dev/null 2>&1; } ||
        npm ci --no-audit --no-fund --loglevel=error)
fi

run_suite() {  # dir, then meson setup args
    local dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then meson setup "$dir" "$@" >/dev/null; fi
    log "build $dir"
    ninja -C "$dir"
    log "test $dir"
    meson test -C "$dir" --print-errorlogs --num-processes 2 "${MESON_TEST_ARGS[@]}" || true
}

MESON_TEST_ARGS=()
run_suite build -Dwerror=true
if [ $quick = 0 ]; then
    export FAULTLINE_SANITIZED=1  # timing-only assertions are reported, not asserted
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    CXX=clang++ CC=clang run_suite build-san -Dwerror=true -Db_sanitize=address,undefined \
        -Db_lundef=false -Dfuzz=true
    # A data race fails the test it happens in (TSan exits 66 at the first report). cpp-httplib
    # is compiled from its Debian source here: TSan cannot see the synchronisation inside
    # Debian's uninstrumented libcpp-httplib.so and would report races that are not there.
    log "cpp-httplib source for the ThreadSanitizer build"
    bash packaging/build-static.sh --sources-only
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
    MESON_TEST_ARGS=(--suite core --suite cdp-proxy)
    CXX=clang++ CC=clang run_suite build-tsan -Dwerror=true -Db_sanitize=thread -Db_lundef=false \
        --force-fallback-for=cpp-httplib -Dcpp-httplib:cpp-httplib_openssl=enabled \
        -Dcpp-httplib:cpp-httplib_zlib=enabled
fi

log "summary"
python3 - "$root/build" $([ $quick = 0 ] && echo "$root/build-san" "$root/build-tsan") <<'PY'
import json, sys
passed = failed = skipped = 0
for d in sys.argv[1:]:
    for line in open(f"{d}/meson-logs/testlog.json"):
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"): passed += 1
        elif r == "SKIP": skipped += 1
        else:
            failed += 1
            print(f"FAILED: {d.rsplit('/',1)[-1]}: {json.loads(line)['name']} ({r})")
print(f"faultline: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
