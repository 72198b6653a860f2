#!/usr/bin/env bash
# Issue 14's table: what each way of tracing or counting blocks costs, every variant of lua (clang -O2
# and gcc -O2) and sqlite3 (clang -O2) timed in ONE interleaved run (scripts/bench/cost_table.py on
# scripts/bench-interleaved.py's rounds), each ratio printed beside the goal it answers:
#   plain; clang trace-pc; ykrw --trace --trace-lib with the ring-store tracer (bench-trace-lib.sh's
#   library); the null rewrite (the floor of anything ykrw moves); --abi yk with the byte clear and set,
#   and then stripped; the embedded recorder; --trace --toggle, off; the floor (bench-strip-floor.sh:
#   trace-pc's assembly with the calls deleted), trace-pc + strip and strip --relocate; clang's
#   inline-8bit-counters against --coverage and --counts; and, as the anchor for --abi yk, the floor with
#   yk's test where trace-pc's calls were (what the same test costs placed by the compiler).
# Each variant's instructions are counted first (callgrind on the reduced workloads, exact whatever
# the load; INSTRUCTIONS=0 skips it), then all are timed.
# Builds what is missing first (baselines by ../shared/bench/build-baselines.sh into BENCHDIR, the rest
# into WORKDIR; ykrw outputs are remade when the jar is newer) and checks that every variant prints
# what plain prints before timing anything.
# Usage: scripts/bench-cost.sh [BENCHDIR] [ROUNDS] [WORKDIR]
#   BENCHDIR default .bench (only read when its binaries exist), ROUNDS default 11 (0: build and check
#   only), WORKDIR default BENCHDIR/cost. PROGRAMS="lua-clang lua-gcc sqlite3" (the default) chooses the
#   programs. Run time: docs/BENCHMARKS.md ("Issue 14's table").
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${1:-$root/.bench}
rounds=${2:-11}
work=${3:-$out/cost}
programs=${PROGRAMS:-lua-clang lua-gcc sqlite3}
shared=$root/../shared/bench
# shellcheck source=scripts/bench/lib.sh
. "$root/scripts/bench/lib.sh"
"$shared/build-baselines.sh" "$out" >/dev/null
bin=$out/bin
runs=$work/runs
mkdir -p "$work" "$runs"
rm -f "$runs"/*
export YKRW_COVERAGE_DIR=$runs YKRW_TRACE_DIR=$runs
"$root/ykrw" --version >/dev/null   # the jar is built before its age is compared
jar=$root/cli/target/ykrw.jar
build_floors "$out" "$work"
small=$work/bench-small.sql
small_sql "$small"
count=${INSTRUCTIONS:-1}
if [ "$count" = 1 ] && ! command -v valgrind >/dev/null; then
  echo "bench-cost.sh: no valgrind: instructions not counted (apt-get install valgrind)" >&2
  count=0
fi
lib=$work/libyktrace.so
[ -f "$lib" ] || build_ring_lib "$lib"

# ykrw_out OUT COMMAND ARGS... (IN last): runs `ykrw COMMAND ARGS... -o OUT` unless OUT is newer than
# the jar and IN; its messages go to stderr, indented.
ykrw_out() {
  local o=$1; shift
  if [ "$o" -nt "$jar" ] && [ "$o" -nt "${!#}" ]; then return; fi
  echo "$(basename "$o"):" >&2
  "$root/ykrw" "$@" -o "$o" 2>&1 | sed 's/^/  /' >&2
}

spec=$work/spec.tsv
: > "$spec"
# variant PROGRAM NAME BINARY [REFERENCE BOUND GOAL [ENV]]: one timed variant, its output checked
# against plain's (the first variant of PROGRAM); the goal is time / REFERENCE's time <= BOUND.
# ENV is put before the command (sh syntax); runs leaving run files delete them. The counting command
# is the same on the reduced workload under valgrind.
variant() {
  local p=$1 name=$2 b=$3 ref=${4:--} bound=${5:--} goal=${6:-} env=${7:-}
  local cmd counting=-
  cmd="$env$(bench_cmd "${p%%-*}" "$b")"
  [ "$count" = 0 ] || counting="$env$VALGRIND_COUNT $(bench_cmd "${p%%-*}" "$b" "$small")"
  if [ -n "$env" ]; then
    cmd="$cmd; rm -f $runs/*"
    [ "$counting" = - ] || counting="$counting; rm -f $runs/*"
  fi
  if [ -z "${plain[$p]:-}" ]; then plain[$p]=$name; plain_cmd[$p]=$cmd; fi
  same_output "${plain_cmd[$p]}" "$cmd" "$p $name"
  rm -f "$runs"/*
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$name" "${plain[$p]}" "$ref" "$bound" "$goal" "$cmd" \
    "$counting" >> "$spec"
}
declare -A plain plain_cmd
# Environments of runs that write run files (exported above already; named so that those runs
# delete their files after them).
traces="YKRW_TRACE_DIR=$runs "
set_state="YKRW_TRACE=1 $traces"   # --abi yk: sets every thread's byte from its start
counters="YKRW_COVERAGE_DIR=$runs "

for p in $programs; do
  case $p in
    lua-clang|sqlite3) prog=${p%-clang}; cc=clang ;;
    lua-gcc) prog=lua; cc=gcc ;;
    *) echo "bench-cost.sh: unknown program $p (lua-clang, lua-gcc, sqlite3)" >&2; exit 2 ;;
  esac
  in=$bin/$prog-$cc-O2
  o=$work/$prog-$cc
  ykrw_out "$o-null" rewrite "$in"
  ykrw_out "$o-tracelib" instrument --trace --trace-lib "$lib" "$in"
  ykrw_out "$o-yk" instrument --trace --abi yk "$in"
  ykrw_out "$o-yk-strip" strip "$o-yk"
  ykrw_out "$o-recorder" instrument --trace "$in"
  ykrw_out "$o-toggle" instrument --trace --toggle "$in"
  variant "$p" "plain $cc -O2" "$in"
  if [ "$cc" = clang ]; then
    variant "$p" "clang trace-pc" "$bin/$prog-clang-tracepc"
  fi
  variant "$p" "ykrw null rewrite" "$o-null"
  if [ "$cc" = clang ]; then
    variant "$p" "ykrw --trace-lib ring" "$o-tracelib" \
      "clang trace-pc" 1 "no slower than trace-pc (14.1)"
  else
    variant "$p" "ykrw --trace-lib ring" "$o-tracelib"
  fi
  variant "$p" "ykrw --abi yk, byte clear" "$o-yk" "plain $cc -O2" 1.05 "at most 1.05x plain (14.2)"
  variant "$p" "ykrw --abi yk, byte set" "$o-yk" - - "" "$set_state"
  variant "$p" "ykrw --abi yk, then strip" "$o-yk-strip" "ykrw null rewrite" 1.01 \
    "runs like the original (14.2; x null rewrite, whose layout it keeps)"
  variant "$p" "ykrw recorder" "$o-recorder" "plain $cc -O2" 2.0 "at most 2.0x plain (14.3)" "$traces"
  variant "$p" "ykrw --trace --toggle, off" "$o-toggle" "plain $cc -O2" 1.05 "at most 1.05x plain (issue 5)" "$traces"
  if [ "$cc" = clang ]; then
    ykrw_out "$o-tracepc-strip" strip --fn __sanitizer_cov_trace_pc "$bin/$prog-clang-tracepc"
    ykrw_out "$o-tracepc-strip-relocate" strip --relocate --fn __sanitizer_cov_trace_pc "$bin/$prog-clang-tracepc"
    ykrw_out "$o-coverage" instrument --coverage "$in"
    ykrw_out "$o-counts" instrument --counts "$in"
    variant "$p" "floor" "$work/$prog-floor"
    variant "$p" "floor + yk's test where trace-pc called" "$work/$prog-floor-yktest" "floor" - \
      "anchor for 14.2: the test placed by the compiler (x floor)"
    variant "$p" "trace-pc + ykrw strip (NOPs)" "$o-tracepc-strip" "floor" 1.01 \
      "within 1% of the floor (14.4)"
    variant "$p" "trace-pc + ykrw strip --relocate" "$o-tracepc-strip-relocate" \
      "floor" 1.01 "within 1% of the floor (14.4)"
    variant "$p" "clang counters" "$bin/$prog-clang-sancov"
    variant "$p" "ykrw --coverage" "$o-coverage" "clang counters" 1 "no slower than clang's counters (14.5)" \
      "$counters"
    variant "$p" "ykrw --counts" "$o-counts" "ykrw --coverage" 1.05 "within 5% of --coverage (14.5)" "$counters"
  fi
done
echo "every variant prints what plain prints; timing $(wc -l < "$spec") variants, $rounds rounds" >&2
[ "$rounds" -gt 0 ] || exit 0
python3 "$root/scripts/bench/cost_table.py" "$rounds" "$spec"
