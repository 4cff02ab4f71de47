#!/usr/bin/env bash
# The benchmark suite, every figure beside its baseline and its target, in
# about 10 minutes on a 2-core machine (a quiet one: the figures are times):
#   bash scripts/bench.sh
#   bash scripts/bench.sh --drift 10    (adds 10 minutes at 50 k ticks/s: RSS drift)
# Builds the release preset, runs bench/tradingd_gbench (Google Benchmark:
# the Sniper, the frame path, the journal), whole-process runs of tradingd
# (--replay of 1 M and 10 M rows, idle RSS) and tradingd against exchange-sim
# over wss on loopback (ticks/s, CPU per million ticks, tick-to-decision
# latency at full speed and at 10 k frames/s), then writes
# build/bench/bench-report.json (figures with units, CPU model, simdjson
# kernel, git revision) and build/bench/bench-report.md (the table of docs/performance.md, which it also
# replaces there, between its bench-table markers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target tradingd exchange-sim tradingd_gbench
out=build/bench
mkdir -p "$out"
rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain 2>/dev/null)" ]]; then rev="$rev+changes"; fi
build/release/bench/tradingd_gbench --benchmark_min_time=0.3 --benchmark_out="$out/gbench.json" \
  --benchmark_out_format=json --benchmark_context=git="$rev"
exec /usr/bin/python3 scripts/bench_report.py --build build/release --out "$out" --git "$rev" --docs docs/performance.md "$@"
