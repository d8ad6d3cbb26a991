#!/usr/bin/env bash
# A visdom server for upstream's live training view (--display_id 1) that works offline.
#   bash scripts/visdom.sh [start]   install the web assets from npm if needed, start the server
#                                    (or reuse one that already answers), print its address
#   bash scripts/visdom.sh stop      stop the server this script started (and only that one)
#   bash scripts/visdom.sh status
# Environment: VISDOM_PORT (8097), VISDOM_HOST (localhost: the server binds to 127.0.0.1
# unless VISDOM_HOST names another address), VISDOM_DIR (.visdom: pid, log and saved envs),
# VISDOM_ASSETS_FROM (a folder of npm tarballs, for machines without a registry).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${VISDOM_PORT:-8097}"
host="${VISDOM_HOST:-localhost}"
state="${VISDOM_DIR:-$PWD/.visdom}"
pidfile="$state/server-$port.pid"
logfile="$state/server-$port.log"
url="http://localhost:$port"

page() { python3 -c "import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode(errors='replace'))" "$url" 2>/dev/null; }
answers() { page > /dev/null; }
is_visdom() { page | grep -qi "visdom"; }
# the command line of a process (/proc on Linux, else ps); fails when there is no such process
command_of() { if [ -r "/proc/$1/cmdline" ]; then tr '\0' ' ' < "/proc/$1/cmdline"; else ps -o args= -p "$1"; fi; }
# true when the pid file names a live process that is the visdom server started here for this port
# (a stale pid file may name an unrelated process that reused the number)
ours_alive() {
    [ -f "$pidfile" ] || return 1
    local pid cmd
    pid="$(cat "$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    cmd="$(command_of "$pid" 2>/dev/null)" || return 1
    [[ "$cmd" == *"visdom.server -port $port "* ]]
}

case "${1:-start}" in
start)
    if answers; then
        if is_visdom; then
            echo "visdom already answers at $url (reused)"
            exit 0
        fi
        echo "visdom.sh: error: port $port is in use by something that is not visdom (set VISDOM_PORT)" >&2
        exit 2
    fi
    source scripts/venv.sh
    ensure_venv
    if [ -n "${VISDOM_ASSETS_FROM:-}" ]; then
        python -m plugins.upstream.visdom_assets --from "$VISDOM_ASSETS_FROM"
    else
        python -m plugins.upstream.visdom_assets
    fi
    mkdir -p "$state/env"
    bind=(-bind_local)
    [ "$host" != "localhost" ] && [ "$host" != "127.0.0.1" ] && bind=(--hostname "$host")
    nohup python -m visdom.server -port "$port" -env_path "$state/env" "${bind[@]}" > "$logfile" 2>&1 &
    server=$!
    echo "$server" > "$pidfile"
    for _ in $(seq 60); do
        if answers; then
            echo "visdom serves $url (pid $server, log $logfile); train with --display_id 1 --display_port $port"
            exit 0
        fi
        if ! kill -0 "$server" 2>/dev/null; then break; fi
        sleep 0.5
    done
    echo "visdom.sh: error: the server did not come up; see $logfile" >&2
    tail -5 "$logfile" >&2 || true
    exit 1
    ;;
stop)
    if ours_alive; then
        kill "$(cat "$pidfile")"
        rm -f "$pidfile"
        echo "stopped the visdom server on port $port"
    elif [ -f "$pidfile" ]; then
        echo "stale pid file $pidfile (pid $(cat "$pidfile") is not the visdom server started here on port $port): removed it, signalled nothing"
        rm -f "$pidfile"
    else
        echo "no visdom server started by this script on port $port"
    fi
    ;;
status)
    if answers; then echo "visdom answers at $url$(ours_alive && echo " (started here, pid $(cat "$pidfile"))")"; else echo "nothing answers at $url"; exit 1; fi
    ;;
*)
    echo "usage: bash scripts/visdom.sh [start|stop|status]" >&2
    exit 2
    ;;
esac
