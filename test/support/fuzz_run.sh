#!/bin/sh
# fuzz_run.sh TARGET SEED_DIR SECONDS: a short libFuzzer run that never writes into the source
# tree (new inputs go to a temporary corpus). Fails on any crash, leak, hang or sanitizer report.
set -eu
target=$(readlink -f "$1") seeds=$(readlink -f "$2") secs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# -error_exitcode=1: libFuzzer's default (77) is what meson reads as "skipped", which would
# report a crash as a skip.
exec "$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    -error_exitcode=1 "$work" "$seeds"
