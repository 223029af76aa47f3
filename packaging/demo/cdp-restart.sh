#!/usr/bin/env bash
# Demo: a CDP client connects through the proxy, then Chromium restarts under it, so the hub
# reports cdp_connect and cdp_disconnect (upstream_changed).
#   cdp-restart.sh HOST PORT SUPERVISOR_SOCKET
set -euo pipefail
host=$1 port=$2 sock=$3
exec 3<>"/dev/tcp/$host/$port"
printf 'GET /devtools/browser/demo HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n' \
    "$host" "$port" >&3
printf 'Connection: Upgrade\r\nSec-WebSocket-Key: ZmF1bHRsaW5lLWRlbW8tMQ==\r\n' >&3
printf 'Sec-WebSocket-Version: 13\r\n\r\n' >&3
read -r -t 10 status <&3
case "$status" in
    *" 101 "*) ;;
    *) echo "cdp-restart.sh: proxy answered '$status'" >&2; exit 1 ;;
esac
sleep 2
supervisorctl -s "unix://$sock" restart chromium >/dev/null
# The proxy closes the stale connection once the new Chromium is up.
timeout 30 cat <&3 >/dev/null || true
exec 3<&-
