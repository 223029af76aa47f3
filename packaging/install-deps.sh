#!/usr/bin/env bash
# Installs the Debian packages faultline needs, only those missing.
#   --build  what building needs (default)
#   --test   also what the test suite drives: supervisord, Chromium, node, clang, clang-format,
#            promtool, git (the format check lists tracked files), strace (fault injection),
#            nats-server, cmake and libssl-dev (the static-build tests compile nats.c), iproute2
#            (ss reads the API's listen backlog)
#   --run    what packaging/run-local.sh needs (nats-server for its --nats)
#   --static what packaging/build-static.sh needs (no -dev libraries but OpenSSL's static archives:
#            it builds the others from source, nats.c with cmake)
set -euo pipefail
build=(meson ninja-build pkg-config g++ libcpp-httplib-dev libsimdjson-dev libfmt-dev libnats-dev catch2
       python3)
run=(supervisor chromium curl procps nats-server)
test=(clang clang-format git libclang-rt-14-dev supervisor chromium prometheus curl procps dpkg-dev file
      xz-utils binutils strace nats-server openssl cmake libssl-dev iproute2
      podman runc busybox-static mmdebstrap)
static=(meson ninja-build pkg-config g++ python3 dpkg-dev file xz-utils binutils cmake libssl-dev)
want=("${build[@]}")
case "${1:---build}" in
    --test) want+=("${test[@]}") ;;
    --static) want=("${static[@]}") ;;
    --run) want+=("${run[@]}") ;;
    --build) ;;
    *) echo "usage: $0 [--build|--test|--run|--static]" >&2; exit 2 ;;
esac
# node and npm count by command: a machine may carry NodeSource's nodejs (npm bundled), which
# conflicts with Debian's npm package.
if [ "${1:-}" = --test ]; then
    command -v node >/dev/null || want+=(nodejs)
    command -v npm >/dev/null || want+=(npm)
fi
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
