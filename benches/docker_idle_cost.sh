#!/usr/bin/env bash
# Idle cost of a container console, for the console itself and for the engine.
#
# Starts N idle containers labelled as Coder workspaces (poctui-test-bench-*), then
# measures utime+stime from /proc/<pid>/stat over a window for: the console process
# tree, dockerd, containerd and every containerd-shim. Windows: a baseline with no console,
# the console under test, oxker (the peer), and a second baseline. "Extra engine"
# is the engine's CPU in a console's window minus the mean of the baselines.
# Consoles run in a detached tmux pane (a real pty), untouched.
#
# Not part of the test suite. Usage:
#   benches/docker_idle_cost.sh [--window SECONDS] [--counts "20 100"]
#       [--console "COMMAND"] [--oxker PATH|none] [--startup-runs N]
# Default console: the docker_watch example (the docker worker alone, debug build).
# For the full TUI: --console "target/release/poc-tui".
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
window=60
counts="20 100"
console=""
oxker=""
startup_runs=5
warmup=5
settle=10

while [ $# -gt 0 ]; do
    case $1 in
        --window) window=$2; shift 2 ;;
        --counts) counts=$2; shift 2 ;;
        --console) console=$2; shift 2 ;;
        --oxker) oxker=$2; shift 2 ;;
        --startup-runs) startup_runs=$2; shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

tick=$(getconf CLK_TCK)
tmux_socket="poctui-bench-$$"
watch_bin="$here/target/debug/examples/docker_watch"

say() { echo "[bench] $*" >&2; }

if [ -z "$console" ]; then
    say "building the docker_watch example (debug)"
    (cd "$here" && cargo build -q --example docker_watch)
    console="$watch_bin --quiet"
fi

if [ -z "$oxker" ]; then
    oxker=$(command -v oxker || true)
    if [ -z "$oxker" ] && [ -x "$HOME/.cargo/bin/oxker" ]; then oxker="$HOME/.cargo/bin/oxker"; fi
    if [ -z "$oxker" ]; then
        root=$(mktemp -d)
        say "installing oxker into $root (cargo install oxker --locked)"
        if cargo install oxker --locked --root "$root" >&2; then
            oxker="$root/bin/oxker"
        else
            say "oxker could not be installed: measuring the console only"
            oxker=none
        fi
    fi
fi

remove_bench_containers() {
    local ids
    ids=$(docker ps -aq --filter "name=^poctui-test-bench-" || true)
    if [ -n "$ids" ]; then
        # shellcheck disable=SC2086
        docker rm -f $ids >/dev/null 2>&1 || true
    fi
}

cleanup() {
    tmux -L "$tmux_socket" kill-server 2>/dev/null || true
    remove_bench_containers
}
trap cleanup EXIT

# CPU ticks (utime+stime) of one pid; 0 when it is gone. Fields are counted after
# the command name, which may contain spaces.
ticks_of() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    echo $(( ${12} + ${13} ))
}

# A pid and all its descendants.
tree_of() {
    local pid=$1 child
    echo "$pid"
    for child in $(pgrep -P "$pid" || true); do
        tree_of "$child"
    done
}

engine_pids() {
    { pgrep -x dockerd; pgrep -x containerd; pgrep -x containerd-shim; } || true
}

sum_ticks() {
    local total=0 pid
    for pid in "$@"; do
        total=$(( total + $(ticks_of "$pid") ))
    done
    echo "$total"
}

# Container events during a window that did not come from the bench containers:
# another user of the engine disturbs the measurement.
foreign_events() {
    docker events --since "$1" --until "$2" --format '{{.Actor.Attributes.name}}' 2>/dev/null |
        grep -vc '^poctui-test-bench-' || true
}

# measure_window CONSOLE_ROOT_PID|- : prints "console_ticks engine_ticks foreign_events".
measure_window() {
    local root=$1 console_pids=() engine started
    mapfile -t engine < <(engine_pids)
    if [ "$root" != "-" ]; then
        mapfile -t console_pids < <(tree_of "$root")
    fi
    local c0 e0 c1 e1
    started=$(date +%s)
    c0=$(sum_ticks "${console_pids[@]}")
    e0=$(sum_ticks "${engine[@]}")
    sleep "$window"
    c1=$(sum_ticks "${console_pids[@]}")
    e1=$(sum_ticks "${engine[@]}")
    echo "$(( c1 - c0 )) $(( e1 - e0 )) $(foreign_events "$started" "$(date +%s)")"
}

start_in_pty() {
    tmux -L "$tmux_socket" kill-server 2>/dev/null || true
    tmux -L "$tmux_socket" new-session -d -x 200 -y 50 "$1"
    sleep 1
    tmux -L "$tmux_socket" list-panes -F '#{pane_pid}' | head -1
}

stop_pty() {
    tmux -L "$tmux_socket" kill-server 2>/dev/null || true
    sleep 1
}

secs() { awk -v t="$1" -v k="$tick" 'BEGIN { printf "%.2f", t / k }'; }

say "building the stand-in image"
"$here/tests/stack/build-image.sh"

results=()
for n in $counts; do
    remove_bench_containers
    say "starting $n idle containers"
    for i in $(seq 1 "$n"); do
        # Labelled like Coder's docker template, so poc-tui lists them as workspaces (and
        # samples their statistics) just as oxker lists every container.
        docker run -d --name "poctui-test-bench-$i" \
            --label coder.owner=bench --label "coder.owner_id=bench-owner" \
            --label "coder.workspace_id=bench-ws-$i" --label "coder.workspace_name=ws-$i" \
            --entrypoint /bin/sleep poctui-test-busybox 1000000 >/dev/null
    done
    sleep "$settle"

    if [ -x "$watch_bin" ]; then
        times=()
        for _ in $(seq 1 "$startup_runs"); do
            times+=("$("$watch_bin" --until-snapshot 2>/dev/null | awk '/snapshot/ { sub("s", "", $1); print $1 }')")
        done
        say "startup to full list ($n containers, docker_watch): ${times[*]} s"
        results+=("$n startup ${times[*]}")
    fi

    say "baseline window 1 (${window}s)"
    read -r _ base1 foreign_b1 < <(measure_window -)

    say "console window (${window}s): $console"
    pid=$(start_in_pty "$console")
    sleep "$warmup"
    read -r own_console engine_console foreign_c < <(measure_window "$pid")
    stop_pty

    own_oxker=-
    engine_oxker=-
    foreign_o=0
    if [ "$oxker" != none ]; then
        say "oxker window (${window}s)"
        pid=$(start_in_pty "$oxker")
        sleep "$warmup"
        read -r own_oxker engine_oxker foreign_o < <(measure_window "$pid")
        stop_pty
    fi

    say "baseline window 2 (${window}s)"
    read -r _ base2 foreign_b2 < <(measure_window -)

    base=$(( (base1 + base2) / 2 ))
    foreign=$(( foreign_b1 + foreign_b2 + foreign_c + foreign_o ))
    if [ "$foreign" -gt 0 ]; then
        results+=("$n warning $foreign")
    fi
    results+=("$n baseline - $base1/$base2")
    results+=("$n console $own_console $engine_console $base")
    if [ "$oxker" != none ]; then
        results+=("$n oxker $own_oxker $engine_oxker $base")
    fi
done

echo
echo "CPU seconds per ${window}s window (clock tick 1/${tick}s); extra = engine - mean baseline"
printf '%-5s %-9s %10s %12s %12s %10s\n' N who own_cpu engine_cpu extra_engine total
for line in "${results[@]}"; do
    # shellcheck disable=SC2086
    set -- $line
    case $2 in
        startup) printf '%-5s startup to full list (s): %s\n' "$1" "${*:3}" ;;
        baseline) printf '%-5s %-9s %10s %12s\n' "$1" baseline - "$4 ticks" ;;
        warning) printf '%-5s WARNING: %s container events from other users of the engine during the windows: figures are disturbed, run again\n' "$1" "$3" ;;
        *)
            extra=$(( $4 - $5 ))
            total=$(( $3 + extra ))
            printf '%-5s %-9s %10s %12s %12s %10s\n' "$1" "$2" "$(secs "$3")" "$(secs "$4")" "$(secs "$extra")" "$(secs "$total")"
            eval "total_${2}_$1=$total"
            ;;
    esac
done
if [ "$oxker" != none ]; then
    for n in $counts; do
        c="total_console_$n"
        o="total_oxker_$n"
        awk -v c="${!c}" -v o="${!o}" -v n="$n" 'BEGIN {
            if (o > 0) printf "N=%s: console total / oxker total = %.3f\n", n, c / o
        }'
    done
fi
echo "console: $console"
echo "oxker:   $oxker"
