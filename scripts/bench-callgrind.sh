#!/usr/bin/env bash
# Deterministic companion of bench-instrument.sh: instructions executed (valgrind callgrind, which
# counts exactly, unlike wall time on a shared VM) by each variant on reduced workloads
# (bench.lua 22 30000 10000; bench.sql cut to 30,000 rows). Run bench-instrument.sh first: it builds
# the variants into OUTDIR/bin. --smc-check=all lets valgrind see the code --once and --toggle patch.
# Usage: scripts/bench-callgrind.sh [OUTDIR]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${1:-$root/.bench}
bin=$out/bin
shared=$root/../shared/bench
# shellcheck source=scripts/bench/lib.sh
. "$root/scripts/bench/lib.sh"
export YKRW_COVERAGE_DIR=$out/runs YKRW_TRACE_DIR=$out/runs
mkdir -p "$out/runs"
small_sql "$out/bench-small.sql"
count() {  # count PROGRAM VARIANT: instructions
  sh -c "$VALGRIND_COUNT $(bench_cmd "$1" "$bin/$1-$2" "$out/bench-small.sql")" 2>&1 >/dev/null \
    | awk '/Collected/ {print $4}'
  rm -f "$out"/runs/*
}
table() {  # table PROGRAM VARIANT...
  local p=$1; shift
  local base
  base=$(count "$p" "$1")
  echo; echo "| $p variant | instructions | x $1 |"; echo "|---|---:|---:|"
  for v in "$@"; do
    n=$([ "$v" = "$1" ] && echo "$base" || count "$p" "$v")
    awk -v v="$v" -v n="$n" -v b="$base" 'BEGIN { printf "| %s | %\047d | %.3f |\n", v, n, n / b }'
  done
}
table lua gcc-O2 clang-sancov gcc-gcov ykrw-null ykrw-coverage ykrw-once ykrw-counts ykrw-trace ykrw-toggle-off
table lua clang-O2 clang-tracepc clang-tracepc-stripped clang-tracepc-disabled
table sqlite3 gcc-O2 clang-sancov gcc-gcov ykrw-null ykrw-coverage ykrw-once ykrw-counts
