#!/usr/bin/env bash
# Benchmarks of issues 4 and 5: what ykrw's instrumentation costs at run time on lua and sqlite3 built
# by ../shared/bench/build-baselines.sh, against plain gcc -O2, the compilers' own coverage (clang
# inline 8-bit counters, gcc --coverage), clang's trace-pc (a call on every edge) with ykrw strip /
# patch --disable, and valgrind --tool=none. Every variant's output is checked against plain first;
# each workload's variants are timed side by side in one hyperfine run.
# Usage: scripts/bench-instrument.sh [OUTDIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${1:-$root/.bench}
runs=${2:-5}
shared=$root/../shared/bench
command -v hyperfine >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -q hyperfine valgrind >/dev/null; }
"$shared/build-baselines.sh" "$out" >/dev/null
bin=$out/bin
runs_dir=$out/runs
mkdir -p "$runs_dir"
export YKRW_COVERAGE_DIR=$runs_dir YKRW_TRACE_DIR=$runs_dir
ykrw() { "$root/ykrw" "$@" 2>&1 | sed 's/^/  /' >&2; }

for p in lua sqlite3; do
  ykrw rewrite "$bin/$p-gcc-O2" -o "$bin/$p-ykrw-null"
  for m in coverage once counts; do ykrw instrument --$m "$bin/$p-gcc-O2" -o "$bin/$p-ykrw-$m"; done
done
ykrw instrument --trace "$bin/lua-gcc-O2" -o "$bin/lua-ykrw-trace"
ykrw instrument --trace --toggle "$bin/lua-gcc-O2" -o "$bin/lua-ykrw-toggle-off"
ykrw strip "$bin/lua-clang-tracepc" -o "$bin/lua-clang-tracepc-stripped" --fn __sanitizer_cov_trace_pc
ykrw patch "$bin/lua-clang-tracepc" -o "$bin/lua-clang-tracepc-disabled" --disable __sanitizer_cov_trace_pc

lua_w=$shared/workloads/bench.lua
sql_w=$shared/workloads/bench.sql
run() {  # run VARIANT PROGRAM: the command line hyperfine times
  case $2 in
    lua) echo "$3 $lua_w" ;;
    sqlite3) echo "$3 :memory: < $sql_w" ;;
  esac
}
bench() {  # bench PROGRAM NAME VARIANT...
  local p=$1 name=$2; shift 2
  local args=() v cmd ref=""
  for v in "$@"; do
    if [ "$v" = valgrind ]; then cmd=$(run x "$p" "valgrind -q --tool=none $bin/$p-gcc-O2"); else cmd=$(run x "$p" "$bin/$p-$v"); fi
    eval "$cmd" > "$out/$p-$v.out" 2>/dev/null
    [ -n "$ref" ] || ref=$out/$p-$v.out
    cmp -s "$ref" "$out/$p-$v.out" || { echo "output of $p-$v differs from $p-$1" >&2; exit 1; }
    args+=(-n "$v" "$cmd")
  done
  rm -f "$runs_dir"/*
  hyperfine --warmup 1 --runs "$runs" --export-json "$out/$name.json" "${args[@]}" >/dev/null
  python3 - "$out/$name.json" "$name" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
base = statistics.median(r[0]["times"])
print(f"\n{sys.argv[2]}: median of {len(r[0]['times'])} runs, ratio to {r[0]['command']}")
print("| variant | median s | x |")
print("|---|---:|---:|")
for x in r:
    m = statistics.median(x["times"])
    print(f"| {x['command']} | {m:.3f} | {m / base:.2f} |")
PY
  rm -f "$runs_dir"/*
}
bench lua lua-coverage gcc-O2 clang-sancov gcc-gcov ykrw-null ykrw-coverage ykrw-once ykrw-counts valgrind
bench sqlite3 sqlite3-coverage gcc-O2 clang-sancov gcc-gcov ykrw-null ykrw-coverage ykrw-once ykrw-counts valgrind
bench lua lua-tracing gcc-O2 ykrw-trace ykrw-toggle-off clang-O2 clang-tracepc clang-tracepc-stripped clang-tracepc-disabled
