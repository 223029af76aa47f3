#!/usr/bin/env bash
# The static cdp-proxy exports to NATS JetStream: runs static_nats.test.js (a real
# `nats-server -js`, plain and with TLS) against the static binary from static_dist.sh, in an
# empty chroot where the machine allows one (as root, or in a user namespace), else directly.
# Makes the TLS material here (a CA and a server certificate for 127.0.0.1) so node, which
# reads the stream back, trusts that CA from its start (NODE_EXTRA_CA_CERTS).
# Skips (77) in a sanitizer build, without nats-server, node, npm's nats or openssl, and when
# the static build has no NATS client (built with --no-nats).
set -euo pipefail
source "$(dirname "$0")/static_dist.sh"
skip() { echo "SKIP: $*"; exit 77; }
nats_server=${NATS_SERVER:-}
[ -n "$nats_server" ] || nats_server=$(command -v nats-server || echo /usr/sbin/nats-server)
[ -x "$nats_server" ] || skip "no nats-server (packaging/install-deps.sh --test installs it)"
command -v node >/dev/null || skip "no node"
command -v openssl >/dev/null || skip "no openssl"
NODE_PATH=${NODE_PATH:-$source_root/test/integration/node_modules} node -e 'require("nats")' \
    2>/dev/null || skip "npm's nats is not installed under test/integration/node_modules"
bin=$dir/cdp-proxy
[ -x "$bin" ] || { echo "FAIL: $bin missing" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A --no-nats build carries the message its --nats exits with.
if grep -q 'built without NATS support' "$bin"; then
    skip "this static cdp-proxy was built without NATS (Debian's nats.c source could not be fetched here, or --no-nats; see packaging/build-static.sh's log)"
fi

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=faultline-test-ca \
    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$tmp/server.key" \
    -out "$tmp/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost\n' > "$tmp/san.ext"
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
    -days 2 -extfile "$tmp/san.ext" -out "$tmp/server.pem" 2>/dev/null

chroot_cmd=""
if [ "$(id -u)" = 0 ] && chroot / true 2>/dev/null; then
    chroot_cmd=chroot
elif unshare -r chroot / true 2>/dev/null; then
    chroot_cmd="unshare -r chroot"
else
    echo "note: cannot chroot here; the static cdp-proxy runs on this root"
fi
STATIC_CDP_PROXY=$bin STATIC_CHROOT=$chroot_cmd STATIC_TLS_DIR=$tmp NATS_SERVER=$nats_server \
    NODE_EXTRA_CA_CERTS=$tmp/ca.pem \
    NODE_PATH=${NODE_PATH:-$source_root/test/integration/node_modules} \
    node "$(dirname "$0")/static_nats.test.js"
