#!/usr/bin/env bash
# Demo helpers that need a memory cgroup of their own (cgroup v2 memory.max or v1
# memory.limit_in_bytes, whichever this machine has):
#   memory-cgroup.sh oom NAME        a real kernel OOM kill: `tail /dev/zero` in a 64 MiB cgroup
#   memory-cgroup.sh squeeze NAME S  S seconds of real memory pressure in a 48 MiB cgroup: four
#                                    readers thrash the page cache of a file 3x the limit
#   memory-cgroup.sh page-oom NAME CDP_ADDR BROWSER_PID
#                                    a page crash caused by an OOM kill: a tab opened through
#                                    the proxy allocates 600 MiB while the browser's renderers
#                                    sit in a 150 MiB cgroup; the kernel kills the hog's renderer
# Each removes its cgroup before returning. Exit 3 when cgroups are not writable here.
set -uo pipefail
action=$1 name=$2

# Prints the cgroup dir it created and its limit file.
make_cgroup() {
    local limit=$1 base
    if [ -w /sys/fs/cgroup/cgroup.subtree_control ] &&
        grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
        base=/sys/fs/cgroup
        mkdir "$base/$name" 2>/dev/null || return 3
        echo "$limit" >"$base/$name/memory.max" || return 3
        echo 0 >"$base/$name/memory.swap.max" 2>/dev/null
    elif [ -w /sys/fs/cgroup/memory ]; then
        base=/sys/fs/cgroup/memory
        mkdir "$base/$name" 2>/dev/null || return 3
        echo "$limit" >"$base/$name/memory.limit_in_bytes" || return 3
    else
        return 3
    fi
    echo "$base/$name"
}

# Runs a command inside the cgroup and waits for it.
run_in() {
    local dir=$1; shift
    bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" "$@"
}

remove_cgroup() {
    local dir=$1
    [ -d "$dir" ] || return 0
    for pid in $(cat "$dir/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    for _ in $(seq 50); do rmdir "$dir" 2>/dev/null && return 0; sleep 0.1; done
    echo "memory-cgroup.sh: could not remove $dir" >&2
}

# Every process below pid (the browser's zygotes and renderers).
descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1"); do
        echo "$child"
        descendants "$child"
    done
}

renderers() {
    for pid in $(descendants "$1"); do
        grep -qa -- '--type=renderer' "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
    done
}

case "$action" in
    oom) limit=67108864 ;;
    page-oom) limit=157286400 ;;
    *) limit=50331648 ;;
esac
dir=$(make_cgroup $limit) || {
    echo "memory cgroups are not writable here" >&2
    exit 3
}
file=""
trap 'remove_cgroup "$dir"; [ -z "$file" ] || rm -f "$file"; jobs -p | xargs -r kill 2>/dev/null' EXIT
trap 'exit 1' INT TERM
case "$action" in
    oom) run_in "$dir" tail /dev/zero 2>/dev/null ;;
    squeeze)
        # /var/tmp, not a tmpfs /tmp: the pages must be evictable. Written from inside the
        # cgroup so that its page cache is charged there.
        file=$(mktemp /var/tmp/faultline-squeeze.XXXXXX)
        run_in "$dir" dd if=/dev/zero of="$file" bs=1M count=160 conv=fsync status=none
        # stderr to /dev/null: their SIGKILL at the end is not worth a "Killed" line.
        for _ in 1 2 3 4; do
            run_in "$dir" sh -c 'while :; do cat "$0" >/dev/null; done' "$file" 2>/dev/null &
        done
        sleep "${3:-15}" &
        wait $! ;;
    page-oom)
        cdp=$3 browser=$4
        page='<title>memory hog</title><script>setTimeout(() => { const keep = [];
for (let i = 0; i < 600; i++) { const b = new Uint8Array(1 << 20); b.fill(7); keep.push(b); }
document.title = keep.length; }, 1500)</script>'
        url=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
            "data:text/html,$page")
        curl -fsS -X PUT "http://$cdp/json/new?$url" >/dev/null || exit 1
        sleep 0.5
        # Every renderer of this browser: the kernel picks the biggest, the hog.
        for pid in $(renderers "$browser"); do echo "$pid" >"$dir/cgroup.procs" 2>/dev/null; done
        sleep 6
        # The survivors go back before the cgroup is removed (removing kills what is left).
        for pid in $(cat "$dir/cgroup.procs"); do
            echo "$pid" >"$(dirname "$dir")/cgroup.procs" 2>/dev/null
        done ;;
    *) echo "usage: memory-cgroup.sh oom|squeeze|page-oom NAME [SECONDS | CDP_ADDR BROWSER_PID]" >&2
       exit 2 ;;
esac
exit 0
