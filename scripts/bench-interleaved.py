#!/usr/bin/env python3
"""Times commands interleaved: each round runs every variant once, in a rotated order, so drifts of a
shared VM (CPU frequency, neighbours) fall on all variants alike instead of on whichever ran last.
Prints medians of wall and CPU (user+sys of the child) time and their ratios to the first variant,
as a Markdown table; the spread beside each ratio is the interquartile range of the per-round ratios
(each variant's time over the first variant's time in the same round), so a difference smaller than
it is not a difference. The last column compares the fastest round of each (CPU time): on a shared VM
the rounds a neighbour slowed scatter the medians by 10% and more, and the fastest round is the one
least disturbed, so where the spreads hide a difference of a few percent that column may still show
it (repeat the run to see that it holds).

Usage: bench-interleaved.py ROUNDS TITLE NAME=COMMAND...   (COMMAND runs through sh)
"""
import os
import resource
import statistics
import subprocess
import sys
import time


def run(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    rounds = int(sys.argv[1])
    title = sys.argv[2]
    variants = [arg.split("=", 1) for arg in sys.argv[3:]]
    walls, cpus = time_rounds(variants, rounds)
    base = variants[0][0]
    bw, bc = statistics.median(walls[base]), statistics.median(cpus[base])
    print(f"\n{title}: medians of {rounds} interleaved rounds, load average {os.getloadavg()[0]:.1f}")
    print("| variant | wall s | x | spread | CPU s | x | spread | fastest CPU x |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, _ in variants:
        w, c = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"| {name} | {w:.3f} | {w / bw:.3f} | {spread(walls[name], walls[base])} | {c:.3f} | {c / bc:.3f}"
              f" | {spread(cpus[name], cpus[base])} | {min(cpus[name]) / min(cpus[base]):.3f} |")


def time_rounds(variants, rounds, progress=None):
    """Runs every (name, command) once as a warm-up (page cache, CDS, CPU frequency), then ROUNDS rounds
    of all of them, each round starting one variant further on. Returns ({name: [wall s per round]},
    {name: [CPU s per round]}); index i of every list is round i, so per-round ratios pair up.
    progress, if given, is called with the round number after each round."""
    walls = {name: [] for name, _ in variants}
    cpus = {name: [] for name, _ in variants}
    for name, command in variants:
        run(command)
    for r in range(rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for name, command in order:
            wall, cpu = run(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
        if progress:
            progress(r + 1)
    return walls, cpus


def spread(times, base):
    """Interquartile range of the per-round ratios times[i] / base[i], as 'low-high'."""
    low, high = spread_range(times, base)
    return f"{low:.3f}-{high:.3f}"


def spread_range(times, base):
    """(low, high): the interquartile range of the per-round ratios times[i] / base[i] (their whole range
    below 4 rounds, where quartiles mean nothing)."""
    ratios = sorted(t / b for t, b in zip(times, base))
    if len(ratios) < 4:
        return ratios[0], ratios[-1]
    q = statistics.quantiles(ratios, n=4)
    return q[0], q[2]


if __name__ == "__main__":
    main()
