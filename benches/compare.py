#!/usr/bin/env python3
"""poc-tui against oxker, in one run on one machine (driven by benches/compare.sh).

Every container it starts is named poctui-bench-* and carries the label poctui.bench, and is
removed at the end. The idle containers are labelled like Coder's docker template makes
workspaces, so both consoles list them and sample their statistics. Consoles run in detached
tmux panes (real ptys) and are read with `tmux capture-pane`.

Figures:
  idle     N idle containers, a window per console between two baselines without one:
           the console's own CPU-s, and the engine's extra CPU-s (dockerd, containerd, shims)
           over the mean baseline.
  list     start to at least min(N, 5) of the bench rows on screen (median of runs).
  log      a container that wrote 1,000,000 numbered lines: start to the last line on screen,
           the console's RSS then, and the engine's CPU-s in the quiet 30 s after.
  search   the whole history through the matcher (`poc-tui logs NAME --grep RE`) against
           `docker logs NAME > /dev/null`, with poc-tui's peak RSS.
  flood    key response while a container floods its log (benches/logs_view_latency.sh for
           poc-tui; oxker's help toggle in its log view).
"""
import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

LABEL = "poctui.bench"
IMAGE = "poctui-test-busybox"
HZ = os.sysconf("SC_CLK_TCK")
ENGINE_NAMES = ("dockerd", "containerd")


def say(text):
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def docker(*args, check=True):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check).stdout


def remove_bench_containers():
    ids = docker("ps", "-aq", "--filter", f"label={LABEL}").split()
    if ids:
        docker("rm", "-f", *ids, check=False)


# ---- processes -------------------------------------------------------------------------

def ticks(pid):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def tree(pid):
    pids = [pid]
    for child in children(pid):
        pids.extend(tree(child))
    return pids


def engine_pids():
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                comm = open(f"/proc/{entry}/comm").read().strip()
            except OSError:
                continue
            if comm.startswith(ENGINE_NAMES):
                pids.append(int(entry))
    return pids


def rss_mb(pids):
    total = 0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def window(seconds, console_pids):
    """CPU ticks over a window: (console, engine)."""
    engine = engine_pids()
    c0, e0 = sum(map(ticks, console_pids)), sum(map(ticks, engine))
    time.sleep(seconds)
    c1, e1 = sum(map(ticks, console_pids)), sum(map(ticks, engine))
    return c1 - c0, e1 - e0


# ---- a console in a pty ----------------------------------------------------------------

class Pane:
    def __init__(self, name, width=200, height=50):
        self.sock = f"poctui-bench-{os.getpid()}-{name}"
        self.width, self.height = width, height

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True,
                              text=True).stdout

    def start(self, command):
        self.stop()
        started = time.time()
        subprocess.run(["tmux", "-L", self.sock, "new-session", "-d", "-s", "b", "-x",
                        str(self.width), "-y", str(self.height), command], check=True)
        return started

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "b")

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "b", *keys)

    def pids(self):
        pid = self.tmux("list-panes", "-t", "b", "-F", "#{pane_pid}").strip()
        return tree(int(pid)) if pid.isdigit() else []

    def wait_for(self, pred, limit=30.0, step=0.005):
        end = time.time() + limit
        while time.time() < end:
            text = self.screen()
            if pred(text):
                return time.time()
            time.sleep(step)
        return None

    def stop(self):
        self.tmux("kill-server")
        time.sleep(0.3)


# ---- the consoles ----------------------------------------------------------------------

class Console:
    def __init__(self, name, command):
        self.name, self.command = name, command


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def poc_config(work, container=""):
    """Probes at a closed loopback port; the coder service mapped to `container`."""
    path = os.path.join(work, f"poc-tui-{container or 'idle'}.toml")
    port = closed_port()
    with open(path, "w") as f:
        f.write('[stack]\ncompose_project = "poctui-bench-none"\n\n')
        for key in ["coder", "gitea", "authentik", "minio-console", "minio-api", "ai-gateway",
                    "mailpit", "devdb"]:
            f.write(f"[services.{key}]\n")
            if key == "coder" and container:
                f.write(f'container = "{container}"\n')
            f.write(f'probe = {{ kind = "tcp", host = "127.0.0.1", port = {port} }}\n\n')
    return path


def poc_command(args, work, container=""):
    return f"POC_TUI_DATA={work}/data {args.bin} --config {poc_config(work, container)}"


# ---- figures ---------------------------------------------------------------------------

def start_workspaces(n):
    say(f"starting {n} idle workspace-like containers")
    for i in range(1, n + 1):
        ws = f"bws-{i:03d}"
        docker("run", "-d", "--name", f"poctui-bench-{ws}", "--label", f"{LABEL}=1",
               "--label", "coder.owner=bench", "--label", "coder.owner_id=bench-owner",
               "--label", f"coder.workspace_id=bench-{ws}", "--label",
               f"coder.workspace_name={ws}", "--entrypoint", "/bin/sleep", IMAGE, "1000000")


def time_to_list(pane, console, n, runs):
    want = min(n, 5)
    rows = re.compile(r"bws-\d{3}")
    times = []
    for _ in range(runs):
        started = pane.start(console.command)
        seen = pane.wait_for(lambda s: len(set(rows.findall(s))) >= want, limit=20)
        pane.stop()
        if seen is not None:
            times.append(seen - started)
    return statistics.median(times) if times else None


def idle_figures(args, consoles, n):
    remove_bench_containers()
    start_workspaces(n)
    time.sleep(args.settle)
    result = {}
    pane = Pane("idle")
    for console in consoles:
        result[(console.name, "list")] = time_to_list(pane, console, n, args.startup_runs)
        say(f"{console.name}: list on screen after {result[(console.name, 'list')]} s")
    say(f"baseline window ({args.window} s)")
    _, base1 = window(args.window, [])
    for console in consoles:
        say(f"{console.name} window ({args.window} s)")
        pane.start(console.command)
        time.sleep(args.warmup)
        own, engine = window(args.window, pane.pids())
        pane.stop()
        result[(console.name, "idle")] = (own, engine)
    say(f"baseline window ({args.window} s)")
    _, base2 = window(args.window, [])
    base = (base1 + base2) / 2
    for console in consoles:
        own, engine = result[(console.name, "idle")]
        result[(console.name, "idle")] = (own / HZ, (engine - base) / HZ)
    result["baseline"] = (base1 / HZ, base2 / HZ)
    remove_bench_containers()
    return result


def start_log_container(lines):
    name = "poctui-bench-log"
    say(f"writing {lines} numbered lines into {name}")
    script = f"seq 1 {lines} | sed 's/^/bench-line-/'; exec sleep 1000000"
    docker("run", "-d", "--name", name, "--label", f"{LABEL}=1", "--entrypoint", "/bin/sh",
           IMAGE, "-c", script)
    last = f"bench-line-{lines}"
    for _ in range(600):
        if docker("logs", "--tail", "1", name, check=False).strip() == last:
            return name, last
        time.sleep(0.5)
    raise SystemExit("the log container never wrote its last line")


def open_logs(pane, console, container):
    """Starts the console and brings `container`'s log on screen; returns the start time."""
    started = pane.start(console.command)
    if console.name == "poc-tui":
        pane.wait_for(lambda s: "running" in s, limit=20)
        pane.keys("l")
    else:
        title = re.compile(r"Logs - " + re.escape(container) + r"\b")
        for _ in range(60):
            if pane.wait_for(lambda s: title.search(s) is not None, limit=0.3) is not None:
                break
            pane.keys("Down")
    return started


def log_figures(args, consoles, work):
    name, last = start_log_container(args.log_lines)
    result = {}
    pane = Pane("log")
    for console in consoles:
        if console.name == "poc-tui":
            console = Console("poc-tui", poc_command(args, work, name))
        started = open_logs(pane, console, name)
        seen = pane.wait_for(lambda s: last in s, limit=120, step=0.01)
        time.sleep(2)
        rss = rss_mb(pane.pids())
        _, quiet = window(args.quiet, [])
        pane.stop()
        result[console.name] = (None if seen is None else seen - started, rss, quiet / HZ)
        say(f"{console.name}: last line after {result[console.name][0]} s, RSS {rss:.0f} MB, "
            f"engine {quiet / HZ:.2f} CPU-s in {args.quiet} s quiet")
    return name, result


def timed(argv):
    """Wall seconds and peak RSS (MB) of one child, its stdout kept."""
    started = time.time()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = child.stdout.read()
    child.stdout.close()
    _, _, usage = os.wait4(child.pid, 0)
    return time.time() - started, usage.ru_maxrss / 1024, out


def search_figures(args, work, name):
    lines = args.log_lines
    pattern = f"^bench-line-(1|{lines // 2}|{lines})$"
    docker_s = min(timed(["docker", "logs", name])[0] for _ in range(2))
    runs = [timed([args.bin, "logs", "--config", poc_config(work), name, "--grep", pattern])
            for _ in range(2)]
    best = min(runs, key=lambda r: r[0])
    found = best[2].decode(errors="replace").split()
    if found != [f"bench-line-{n}" for n in (1, lines // 2, lines)]:
        say(f"whole-history search found {found[:5]}: expected three lines")
    return docker_s, best[0], max(r[1] for r in runs)


def flood_poc(args):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logs_view_latency.sh")
    out = subprocess.run(["bash", script, "--bin", args.bin, "--samples", "0", "--keys",
                          str(args.keys)], capture_output=True, text=True).stdout
    match = re.search(r"key response while flooding.*median ([\d.]+) ms, p90 ([\d.]+) ms", out)
    return (float(match.group(1)), float(match.group(2))) if match else None


def flood_oxker(args, console):
    name = "poctui-bench-flood"
    docker("run", "-d", "--name", name, "--label", f"{LABEL}=1", "--entrypoint", "/bin/sh",
           IMAGE, "-c", 'i=0; while :; do i=$((i+1)); echo "flood line $i with a little '
           'padding to look like a real log line"; done')
    pane = Pane("flood")
    open_logs(pane, console, name)
    pane.wait_for(lambda s: "flood line" in s, limit=20)
    times = []
    for _ in range(args.keys):
        before = "exit help" in pane.screen().split("\n", 1)[0]
        t0 = time.time()
        pane.keys("h")
        seen = pane.wait_for(lambda s: ("exit help" in s.split("\n", 1)[0]) != before, limit=5,
                             step=0.002)
        if seen is not None:
            times.append((seen - t0) * 1000)
        time.sleep(0.05)
    pane.stop()
    docker("rm", "-f", name, check=False)
    if not times:
        return None
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.9))]


# ---- the report ------------------------------------------------------------------------

def fmt(value, digits=2):
    return "-" if value is None else f"{value:.{digits}f}"


def ratio(ours, theirs):
    if ours is None or theirs is None or theirs <= 0:
        return "-"
    return f"{ours / theirs:.3f}"


def report(args, consoles, idle, logs, search, flood):
    names = [c.name for c in consoles]
    has_oxker = "oxker" in names
    rows = []
    for n, figures in idle.items():
        b1, b2 = figures["baseline"]
        rows.append((f"idle {args.window} s, {n} containers: own + extra engine CPU-s",
                     *[f"{fmt(figures[(c, 'idle')][0])} + {fmt(figures[(c, 'idle')][1])} = "
                       f"{fmt(sum(figures[(c, 'idle')]))}" for c in names],
                     ratio(sum(figures[("poc-tui", "idle")]), sum(figures[("oxker", "idle")]))
                     if has_oxker else "-"))
        rows.append((f"  (engine baselines {b1:.2f} / {b2:.2f} CPU-s)", *["" for _ in names], ""))
        rows.append((f"start to the list on screen, {n} containers (s)",
                     *[fmt(figures[(c, "list")]) for c in names],
                     ratio(figures[("poc-tui", "list")], figures[("oxker", "list")])
                     if has_oxker else "-"))
    if logs:
        lines = f"{args.log_lines:,}"
        for i, (label, digits) in enumerate([(f"{lines}-line log: last line on screen (s)", 2),
                                             ("same, RSS (MB)", 0),
                                             (f"same, quiet {args.quiet} s after: engine CPU-s",
                                              2)]):
            values = [logs[c][i] for c in names]
            rows.append((label, *[fmt(v, digits) for v in values],
                         ratio(values[0], values[1]) if has_oxker else "-"))
    if search:
        docker_s, ours, rss = search
        rows.append((f"whole-history search of {args.log_lines:,} lines (s; docker logs "
                     f"{docker_s:.2f} s)", fmt(ours), *(["n/a"] if has_oxker else []),
                     f"throughput {docker_s / ours:.2f} of docker logs"))
        rows.append(("same, peak RSS (MB)", fmt(rss, 0), *(["n/a"] if has_oxker else []), ""))
    if flood:
        values = [flood.get(c) for c in names]
        rows.append(("key response while flooding: median / p90 (ms)",
                     *[f"{fmt(v[0], 1)} / {fmt(v[1], 1)}" if v else "-" for v in values],
                     ratio(values[0][1], values[1][1])
                     if has_oxker and all(values) else "-"))
    header = ("figure", *names, "ratio poc-tui/oxker" if has_oxker else "")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())
    print()
    for c in consoles:
        print(f"{c.name}: {c.command}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--oxker", default="none")
    parser.add_argument("--counts", default="20 100")
    parser.add_argument("--window", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--settle", type=int, default=10)
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--log-lines", type=int, default=1_000_000)
    parser.add_argument("--quiet", type=int, default=30)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--only", default="idle,log,search,flood")
    args = parser.parse_args()
    only = set(args.only.split(","))
    work = tempfile.mkdtemp(prefix="poctui-bench-")
    consoles = [Console("poc-tui", poc_command(args, work))]
    if args.oxker != "none":
        consoles.append(Console("oxker", args.oxker))
    try:
        remove_bench_containers()
        idle = {}
        if "idle" in only:
            for n in [int(c) for c in args.counts.split()]:
                idle[n] = idle_figures(args, consoles, n)
        logs, search, name = {}, None, None
        if "log" in only or "search" in only:
            name, logs = log_figures(args, consoles, work) if "log" in only else (None, {})
            if name is None:
                name, _ = start_log_container(args.log_lines)
            if "search" in only:
                search = search_figures(args, work, name)
            docker("rm", "-f", name, check=False)
        flood = {}
        if "flood" in only:
            flood["poc-tui"] = flood_poc(args)
            if args.oxker != "none":
                flood["oxker"] = flood_oxker(args, consoles[1])
        report(args, consoles, idle, logs, search, flood)
    finally:
        remove_bench_containers()


if __name__ == "__main__":
    main()
