#!/bin/sh
# Stand-in service: serves fixed answers over HTTP with busybox httpd.
#   serve.sh PORTS [PATH BODY]...
# PORTS is a comma-separated list of ports to serve the same files on.
# PATH ending in "/" is written as PATH/index.html.
# With PORTS "tcp:N" a plain TCP listener answers every connection with BODY.
# With PORTS "pg:N" or "redis:N" a stand-in PostgreSQL (answers an SSLRequest) or Redis
# (answers +PONG) listens on N. With PORTS "idle" nothing listens (a background worker).
ports=$1
shift
mkdir -p /www
while [ $# -ge 2 ]; do
    path=$1
    body=$2
    shift 2
    case $path in
        */) file="/www${path}index.html" ;;
        *) file="/www${path}" ;;
    esac
    mkdir -p "$(dirname "$file")"
    printf '%s\n' "$body" > "$file"
done

# PID 1 ignores SIGTERM unless it traps it: trap so `docker stop` is quick.
trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM INT

case $ports in
    tcp:*)
        port=${ports#tcp:}
        answer=$(cat /www/banner 2>/dev/null)
        while true; do
            printf '%s\n' "$answer" | nc -l -p "$port" >/dev/null 2>&1
        done &
        ;;
    pg:*)
        nc -ll -p "${ports#pg:}" -e /bin/pg-answer &
        ;;
    redis:*)
        nc -ll -p "${ports#redis:}" -e /bin/redis-answer &
        ;;
    idle)
        sleep 2147483647 &
        ;;
    *)
        for port in $(echo "$ports" | tr ',' ' '); do
            httpd -f -p "$port" -h /www &
        done
        ;;
esac
wait
