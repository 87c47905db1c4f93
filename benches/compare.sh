#!/usr/bin/env bash
# poc-tui side by side with oxker (when installed), in one run on one machine: idle cost at
# 20 and 100 workspace-like containers (own + the engine's extra CPU-s), start to the list on
# screen, a 1,000,000-line log (last line on screen, RSS, the engine's CPU while quiet after),
# whole-history search against `docker logs`, and key response during a log flood. Prints a
# table with the ratios; without oxker, poc-tui's figures alone. benches/compare.py has the
# details of each figure.
#
# Not part of the test suite; takes about 15 minutes with the defaults. Usage:
#   benches/compare.sh [--bin PATH] [--oxker PATH|none] [--counts "20 100"] [--window S]
#       [--startup-runs N] [--log-lines N] [--quiet S] [--keys N] [--only idle,log,search,flood]
# Default binary: target/release/poc-tui (built when missing). oxker: --oxker, else the one
# on PATH, else none (`cargo install oxker --version 0.13.4 --root DIR` puts one in DIR/bin).
# Needs docker, tmux and python3. Other users of the engine disturb its CPU figures: run it
# on a quiet engine.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=""
oxker=""
args=()
while [ $# -gt 0 ]; do
    case $1 in
        --bin) bin=$2; shift 2 ;;
        --oxker) oxker=$2; shift 2 ;;
        --counts|--window|--startup-runs|--log-lines|--quiet|--keys|--only|--warmup|--settle)
            args+=("$1" "$2"); shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

say() { echo "[bench] $*" >&2; }

if [ -z "$bin" ]; then
    bin="$here/target/release/poc-tui"
    if [ ! -x "$bin" ]; then
        say "building poc-tui (release)"
        (cd "$here" && cargo build -q --release --bin poc-tui)
    fi
fi
if [ -z "$oxker" ]; then
    oxker=$(command -v oxker || echo none)
fi
if [ "$oxker" = none ]; then
    say "oxker not found: measuring poc-tui alone"
fi
if ! docker image inspect poctui-test-busybox >/dev/null 2>&1; then
    say "building the stand-in image"
    sh "$here/tests/stack/build-image.sh"
fi
exec python3 "$here/benches/compare.py" --bin "$bin" --oxker "$oxker" "${args[@]}"
