#!/usr/bin/env bash
# Benchmark of issue 14 part 5: `instrument --coverage` with pruned probes (the default), against
# clang's inline-8bit-counters (SanitizerCoverage, which prunes by dominators) on the same clang -O2
# build of lua and sqlite3 (../shared/bench/build-baselines.sh), with `--no-prune` and `--counts`
# beside them. Every variant's output is checked against plain; variants are timed interleaved
# (scripts/bench-interleaved.py: medians, and the interquartile range of per-round ratios as spread).
# Usage: [BASELINES=DIR] scripts/bench-coverage-prune.sh [OUTDIR] [ROUNDS]
#   BASELINES: where build-baselines.sh puts (or has put) its bin/ (default OUTDIR)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${1:-$root/.bench}
rounds=${2:-20}
shared=$root/../shared/bench
base=${BASELINES:-$out}
"$shared/build-baselines.sh" "$base" >/dev/null
bin=$out/bin
mkdir -p "$bin"
for p in lua sqlite3; do for v in clang-O2 clang-sancov; do
  [ "$base/bin" = "$bin" ] || ln -sf "$base/bin/$p-$v" "$bin/$p-$v"
done; done
runs_dir=$out/runs
mkdir -p "$runs_dir"
export YKRW_COVERAGE_DIR=$runs_dir
for p in lua sqlite3; do
  for v in "coverage" "coverage --no-prune" "counts" "counts --no-prune"; do
    name=$p-ykrw-${v// --/-}
    "$root/ykrw" instrument --$v "$bin/$p-clang-O2" -o "$bin/$name" 2>&1 | grep -E 'blocks in' | sed "s/^/  $name: /" >&2
  done
done
run() {  # run PROGRAM BINARY: the command line of one run
  case $1 in
    lua) echo "$2 $shared/workloads/bench.lua" ;;
    sqlite3) echo "$2 :memory: < $shared/workloads/bench.sql" ;;
  esac
}
for p in lua sqlite3; do
  args=()
  for v in clang-O2 clang-sancov ykrw-coverage ykrw-coverage-no-prune ykrw-counts ykrw-counts-no-prune; do
    cmd=$(run "$p" "$bin/$p-$v")
    eval "$cmd" > "$out/$p-$v.out" 2>/dev/null
    cmp -s "$out/$p-clang-O2.out" "$out/$p-$v.out" || { echo "output of $p-$v differs from $p-clang-O2" >&2; exit 1; }
    args+=("$v=$cmd")
  done
  rm -f "$runs_dir"/*
  python3 "$root/scripts/bench-interleaved.py" "$rounds" "$p $(basename "$(run "$p" x | cut -d' ' -f2-)")" "${args[@]}"
  rm -f "$runs_dir"/*
done
