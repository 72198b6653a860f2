#!/usr/bin/env bash
# Benchmarks of issues 4 and 5: what ykrw's instrumentation costs at run time on lua and sqlite3 built
# by ../shared/bench/build-baselines.sh, against plain gcc -O2, the compilers' own coverage (clang
# inline 8-bit counters, gcc --coverage), clang's trace-pc (a call on every edge) with ykrw strip /
# patch --disable, and valgrind --tool=none. Every variant's output is checked against the first;
# each table's variants are timed interleaved, round by round (scripts/bench-interleaved.py).
# Usage: scripts/bench-instrument.sh [OUTDIR] [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${1:-$root/.bench}
runs=${2:-5}
shared=$root/../shared/bench
command -v valgrind >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -q valgrind >/dev/null; }
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
rounds=$runs
run() {  # run PROGRAM BINARY: the command line of one run
  case $1 in
    lua) echo "$2 $lua_w" ;;
    sqlite3) echo "$2 :memory: < $sql_w" ;;
  esac
}
bench() {  # bench PROGRAM TITLE VARIANT...: outputs checked against the first variant, then timed interleaved
  local p=$1 title=$2; shift 2
  local args=() v cmd ref=""
  for v in "$@"; do
    if [ "$v" = valgrind ]; then cmd=$(run "$p" "valgrind -q --tool=none $bin/$p-gcc-O2"); else cmd=$(run "$p" "$bin/$p-$v"); fi
    eval "$cmd" > "$out/$p-$v.out" 2>/dev/null
    [ -n "$ref" ] || ref=$out/$p-$v.out
    cmp -s "$ref" "$out/$p-$v.out" || { echo "output of $p-$v differs from $p-$1" >&2; exit 1; }
    args+=("$v=$cmd")
  done
  rm -f "$runs_dir"/*
  python3 "$root/scripts/bench-interleaved.py" "$rounds" "$title" "${args[@]}"
  rm -f "$runs_dir"/*
}
bench lua "lua bench.lua" gcc-O2 clang-sancov gcc-gcov ykrw-null ykrw-coverage ykrw-once ykrw-counts ykrw-toggle-off valgrind
bench sqlite3 "sqlite3 bench.sql" gcc-O2 clang-sancov gcc-gcov ykrw-null ykrw-coverage ykrw-once ykrw-counts valgrind
bench lua "lua tracing" clang-O2 clang-tracepc clang-tracepc-stripped clang-tracepc-disabled gcc-O2 ykrw-trace
