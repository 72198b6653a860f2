#!/usr/bin/env python3
"""Issue 14's cost table (scripts/bench-cost.sh writes the variant list): times every variant of every
program in ONE interleaved run (scripts/bench-interleaved.py's rounds, so all ratios share the
machine's drifts), then prints one Markdown table: each variant's median CPU time, its ratio to its
program's plain build with the spread of that ratio, and, where the variant answers a goal, its ratio
to the variant the goal names (plain, trace-pc, the floor, clang's counters...) with that spread and a
verdict that takes the spread into account.

Before the timing, each variant's counting command (the reduced workload under valgrind callgrind,
scripts/bench/lib.sh's VALGRIND_COUNT) gives the instructions it executes: exact, so those ratios
do not depend on the machine's load.

Usage: cost_table.py ROUNDS SPEC
  SPEC: one variant a line, tab-separated:
    program  name  base  reference  bound  goal  command  count_command
  base: the name of the program's plain variant (the "x plain" column); reference and bound: the goal
  is "time / time of reference <= bound" ("-" for none; a reference without a bound is an anchor: its
  ratio is printed, with no verdict); goal: its text; command: run through sh; count_command: the same
  through sh, printing valgrind's "Collected : N" on stderr ("-": not counted).
"""
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import time

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("interleaved", os.path.join(_here, "..", "bench-interleaved.py"))
interleaved = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(interleaved)


class Variant:
    def __init__(self, line):
        fields = line.rstrip("\n").split("\t")
        if len(fields) != 8:
            raise SystemExit(f"cost_table: a spec line needs 8 tab-separated fields: {line.strip()}")
        self.program, self.name, self.base, self.reference, bound, self.goal, self.command, count = fields
        self.count_command = None if count == "-" else count
        self.bound = None if bound == "-" else float(bound)
        self.key = f"{self.program}: {self.name}"


def instructions(v):
    """The instructions v's counting command executes (callgrind's total), or None."""
    if v.count_command is None:
        return None
    run = subprocess.run(v.count_command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or not found:
        raise SystemExit(f"cost_table: counting {v.key} failed: {run.stderr.strip()[-300:]}")
    return int(found.group(1))


def verdict(low, high, bound, rounds):
    """met when even the upper quartile of the per-round ratios is within the bound, not met when even
    the lower one is above it; otherwise the rounds cannot tell (nor can fewer than 5 rounds)."""
    if rounds < 5:
        return "too few rounds to judge"
    if high <= bound:
        return "met"
    if low > bound:
        return "**not met**"
    return "undecided (spread spans the bound)"


def main():
    rounds = int(sys.argv[1])
    with open(sys.argv[2]) as f:
        variants = [Variant(line) for line in f if line.strip() and not line.startswith("#")]
    by_key = {v.key: v for v in variants}
    for v in variants:
        for other in (v.base, v.reference):
            if other != "-" and f"{v.program}: {other}" not in by_key:
                raise SystemExit(f"cost_table: {v.key} names {other}, which is not a variant of {v.program}")
    counts = {}
    for v in variants:
        counts[v.key] = instructions(v)
        if counts[v.key] is not None:
            print(f"{v.key}: {counts[v.key]:,} instructions", file=sys.stderr)
    load_before = os.getloadavg()[0]
    start = time.monotonic()
    walls, cpus = interleaved.time_rounds([(v.key, v.command) for v in variants], rounds,
                                          lambda r: print(f"round {r} of {rounds} done", file=sys.stderr))
    minutes = (time.monotonic() - start) / 60
    print(f"\n{len(variants)} variants, medians of {rounds} interleaved rounds ({minutes:.0f} min), "
          f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end. "
          "CPU time is user + sys of the run; spread: interquartile range of the per-round ratios; "
          "instructions: callgrind's count on the reduced workload (exact).\n")
    print("| program | variant | CPU s | x plain | spread | wall x plain | instructions x plain | goal "
          "| against the goal (time; instructions) |")
    print("|---|---|---:|---:|---:|---:|---:|---|---|")
    for v in variants:
        base = f"{v.program}: {v.base}"
        c = statistics.median(cpus[v.key])
        x = c / statistics.median(cpus[base])
        low, high = interleaved.spread_range(cpus[v.key], cpus[base])
        wall_x = statistics.median(walls[v.key]) / statistics.median(walls[base])
        answer = ""
        if v.reference != "-":
            ref = f"{v.program}: {v.reference}"
            rx = c / statistics.median(cpus[ref])
            rlow, rhigh = interleaved.spread_range(cpus[v.key], cpus[ref])
            answer = f"x {v.reference} {rx:.3f} ({rlow:.3f}-{rhigh:.3f})"
            if v.bound is not None:
                answer += f", bound {v.bound:g}: {verdict(rlow, rhigh, v.bound, rounds)}"
            counted = count_ratio(counts, v.key, ref)
            answer += f"; instructions x {v.reference} {counted}" if counted else ""
        spread = "" if v.key == base else f"{low:.3f}-{high:.3f}"
        print(f"| {v.program} | {v.name} | {c:.3f} | {x:.3f} | {spread} | {wall_x:.3f} "
              f"| {count_ratio(counts, v.key, base)} | {v.goal} | {answer} |")


def count_ratio(counts, key, reference):
    """key's instructions over reference's, or "" where either was not counted."""
    if counts[key] is None or counts[reference] is None:
        return ""
    return f"{counts[key] / counts[reference]:.3f}"


if __name__ == "__main__":
    main()
