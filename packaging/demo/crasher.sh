#!/usr/bin/env bash
# A demo service for run-local.sh: the first run lives FIRST seconds, later runs 30-90 s, then
# each dies of SIGSEGV and supervisord restarts it: a service that "crashes now and then".
#   crasher.sh FIRST STATE_FILE
first=${1:-45} state=${2:-/tmp/faultline-crasher.state}
if [ -e "$state" ]; then delay=$((30 + RANDOM % 60)); else touch "$state"; delay=$first; fi
# A stop (SIGTERM) takes the sleep with it rather than leaving it behind.
trap 'kill $! 2>/dev/null; exit 0' TERM
sleep "$delay" &
wait $!
kill -SEGV $$
