#!/usr/bin/python3
"""Interleaved A/B of the whole-process --replay figure: two tradingd binaries (say a build
of the commit before a change and one of the change) replay the same rows with the same
1,000 armed conditions, one after the other, `--runs` times each, and the medians are
compared. Interleaving spreads this machine's drift (other VMs, frequency) over both sides
evenly, which two separate bench.sh runs do not.

  /usr/bin/python3 scripts/bench_ab.py OLD/tradingd NEW/tradingd [--rows 10000000] [--runs 7]
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report  # noqa: E402  (the inputs and the timed run are the bench's own)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", help="the first tradingd binary (before)")
    ap.add_argument("b", help="the second tradingd binary (after)")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", default="build/bench-ab", help="scratch folder (the input is cached there)")
    args = ap.parse_args()
    args.a, args.b = os.path.abspath(args.a), os.path.abspath(args.b)
    for binary in (args.a, args.b):
        if not os.access(binary, os.X_OK):
            sys.exit(f"bench_ab: {binary} is not an executable")
    args.out = os.path.abspath(args.out)  # the runs start in it, with paths into it
    os.makedirs(args.out, exist_ok=True)
    bench_report.write_replay_inputs(args.out, args.rows)
    rates = {args.a: [], args.b: []}
    for i in range(args.runs):
        # Alternate which side goes first, so neither always follows the other's page cache state.
        for binary in ((args.a, args.b) if i % 2 == 0 else (args.b, args.a)):
            r = bench_report.replay_run(binary, args.out, args.rows)
            rates[binary].append(r["rows_per_s"] / 1e6)
            print(f"run {i + 1}: {binary}: {rates[binary][-1]:.2f} M rows/s", flush=True)
    med_a, med_b = statistics.median(rates[args.a]), statistics.median(rates[args.b])
    print(f"\n--replay {args.rows:,} rows, 1,000 armed, whole process, medians of {args.runs} interleaved runs:")
    print(f"  A {args.a}: {med_a:.2f} M rows/s (min {min(rates[args.a]):.2f}, max {max(rates[args.a]):.2f})")
    print(f"  B {args.b}: {med_b:.2f} M rows/s (min {min(rates[args.b]):.2f}, max {max(rates[args.b]):.2f})")
    print(f"  B / A: {med_b / med_a:.3f}")


if __name__ == "__main__":
    main()
