#!/usr/bin/env bash
# Demo helpers that need a memory cgroup of their own (cgroup v2 memory.max or v1
# memory.limit_in_bytes, whichever this machine has):
#   memory-cgroup.sh oom NAME        a real kernel OOM kill: `tail /dev/zero` in a 64 MiB cgroup
#   memory-cgroup.sh squeeze NAME S  S seconds of real memory pressure in a 48 MiB cgroup: four
#                                    readers thrash the page cache of a file 3x the limit
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

dir=$(make_cgroup $([ "$action" = oom ] && echo 67108864 || echo 50331648)) || {
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
    *) echo "usage: memory-cgroup.sh oom|squeeze NAME [SECONDS]" >&2; exit 2 ;;
esac
exit 0
