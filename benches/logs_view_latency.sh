#!/usr/bin/env bash
# Log view latency of the real console, in a detached tmux pane (a real pty).
#
# 1. Line latency: a busybox container (poctui-test-logview-bench-*) prints a marker line
#    every 0.7 s; the console follows it in the log view; the screen is polled every ~2 ms
#    with `tmux capture-pane`. Latency = first time the marker is on screen minus the
#    engine's timestamp of that line (`docker logs -t`: when the daemon read it from the
#    container's pipe, so the container's own write is a little earlier).
# 2. Key response under a flood: a second container prints as fast as it can while its log
#    view is open; `t` is pressed repeatedly and the time until the footer shows the toggle
#    is measured.
#
# Not part of the test suite. Usage:
#   benches/logs_view_latency.sh [--bin PATH] [--samples N] [--keys N]   (--samples 0: keys only)
# Default binary: target/debug/poc-tui (built if missing). Needs docker, tmux, python3 and
# the poctui-test-busybox image (tests/stack/build-image.sh builds it).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/target/debug/poc-tui"
samples=20
keys=20
while [ $# -gt 0 ]; do
    case $1 in
        --bin) bin=$2; shift 2 ;;
        --samples) samples=$2; shift 2 ;;
        --keys) keys=$2; shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

say() { echo "[bench] $*" >&2; }

if [ ! -x "$bin" ]; then
    say "building poc-tui (debug)"
    (cd "$here" && cargo build -q --bin poc-tui)
fi
if ! docker image inspect poctui-test-busybox >/dev/null 2>&1; then
    say "building the stand-in image"
    sh "$here/tests/stack/build-image.sh"
fi

tag="poctui-test-logview-bench-$$"
ticker="$tag-ticker"
flood="$tag-flood"
sock="poctui-test-logview-bench-$$"
work=$(mktemp -d)
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    docker rm -f "$ticker" "$flood" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

docker run -d --name "$ticker" --entrypoint /bin/sh poctui-test-busybox -c \
    'i=0; while :; do i=$((i+1)); echo "LAT-$i-END"; usleep 700000; done' >/dev/null
docker run -d --name "$flood" --entrypoint /bin/sh poctui-test-busybox -c \
    'i=0; while :; do i=$((i+1)); echo "flood line $i with a little padding to look like a real log line"; done' >/dev/null

closed_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

write_config() { # $1 = container for the coder service
    local cfg="$work/poc-tui-$1.toml"
    {
        printf '[stack]\ncompose_project = "poctui-test-logview-none"\n\n[probes]\ninterval_secs = 600\n\n'
        printf '[services.coder]\ncontainer = "%s"\n' "$1"
        for key in coder gitea authentik minio-console minio-api ai-gateway mailpit devdb; do
            [ "$key" = coder ] || printf '[services.%s]\n' "$key"
            printf 'probe = { kind = "tcp", host = "127.0.0.1", port = %s }\n\n' "$closed_port"
        done
    } >"$cfg"
    echo "$cfg"
}

python3 - "$bin" "$sock" "$ticker" "$flood" "$(write_config "$ticker")" "$(write_config "$flood")" \
    "$work" "$samples" "$keys" <<'PY'
import datetime, re, statistics, subprocess, sys, time

bin_, sock, ticker, flood, cfg_ticker, cfg_flood, work, samples, keys = sys.argv[1:]
samples, keys = int(samples), int(keys)

def tmux(*args):
    return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True).stdout

def screen():
    return tmux("capture-pane", "-p", "-t", "bench")

def wait_for(pred, limit=20.0):
    end = time.time() + limit
    while time.time() < end:
        s = screen()
        if pred(s):
            return s
        time.sleep(0.002)
    raise SystemExit("timed out; screen:\n" + screen())

def start(cfg):
    tmux("kill-server")
    cmd = f"POC_TUI_DATA={work}/data {bin_} --config {cfg}"
    for attempt in range(5):
        time.sleep(0.3)  # let the old server go away
        if subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "bench", "-x", "160", "-y", "45", cmd]).returncode == 0:
            break
    else:
        raise SystemExit("cannot start tmux")
    wait_for(lambda s: "running" in s)
    tmux("send-keys", "-t", "bench", "l")
    wait_for(lambda s: "Logs:" in s)

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]

# 1. Line latency (skipped with --samples 0).
if samples > 0:
    start(cfg_ticker)
    seen = {}
    marker = re.compile(r"LAT-(\d+)-END")
    wait_for(lambda s: marker.search(s) is not None)
    start_n = max(int(m) for m in marker.findall(screen()))
    end = time.time() + samples * 0.7 + 10
    while time.time() < end and len(seen) < samples:
        now = time.time()
        for m in marker.findall(screen()):
            n = int(m)
            if n > start_n and n not in seen:
                seen[n] = now
        time.sleep(0.002)
    logs = subprocess.run(["docker", "logs", "-t", ticker], capture_output=True, text=True).stdout
    stamps = {}
    for line in logs.splitlines():
        ts, _, text = line.partition(" ")
        m = marker.search(text)
        if m:
            ts = re.sub(r"(\.\d{6})\d*", r"\1", ts).replace("Z", "+00:00")
            stamps[int(m.group(1))] = datetime.datetime.fromisoformat(ts).timestamp()
    lat = [(seen[n] - stamps[n]) * 1000 for n in seen if n in stamps]
    if lat:
        print(f"line latency (engine timestamp -> on screen), {len(lat)} lines: "
              f"median {statistics.median(lat):.1f} ms, p90 {pct(lat, 0.9):.1f} ms, max {max(lat):.1f} ms")
    else:
        print("line latency: no samples")

# 2. Key response while a container floods.
start(cfg_flood)
wait_for(lambda s: "flood line" in s)
pid = tmux("list-panes", "-t", "bench", "-F", "#{pane_pid}").strip()
def cpu_ticks():
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None
ticks0, wall0 = cpu_ticks(), time.time()
times = []
for _ in range(keys):
    before = "time" in screen().splitlines()[-2]
    t0 = time.time()
    tmux("send-keys", "-t", "bench", "t")
    wait_for(lambda s: ("time" in s.splitlines()[-2]) != before, limit=5)
    times.append((time.time() - t0) * 1000)
    time.sleep(0.05)
print(f"key response while flooding, {len(times)} presses: median {statistics.median(times):.1f} ms, "
      f"p90 {pct(times, 0.9):.1f} ms, max {max(times):.1f} ms")
ticks1, wall1 = cpu_ticks(), time.time()
if ticks0 is not None and ticks1 is not None:
    hz = int(subprocess.run(["getconf", "CLK_TCK"], capture_output=True, text=True).stdout)
    print(f"console CPU while flooding: {100 * (ticks1 - ticks0) / hz / (wall1 - wall0):.0f}% of a core "
          f"(load average {open('/proc/loadavg').read().split()[0]} on {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores)")
footer = screen().splitlines()[-2]
print("footer during flood:", footer.strip()[:150])
tmux("send-keys", "-t", "bench", "q")
tmux("send-keys", "-t", "bench", "q")
PY
