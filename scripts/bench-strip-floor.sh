#!/usr/bin/env bash
# How close can removing tracing calls get to a build without them? This builds the best any call
# remover can do: the same compiler output as clang -fsanitize-coverage=trace-pc with every
# `call __sanitizer_cov_trace_pc` line deleted from the assembly before assembling it (no NOPs,
# nothing else touched), for lua and sqlite3. What remains between that floor and plain -O2 is how
# the compiler shaped the code around the calls (registers kept out of caller-saved ones, spills,
# split edges, frames in leaf functions): no call remover removes it. Then it times, interleaved,
# with the floor first (every ratio is against it; the spread is the interquartile range of the
# per-round ratios): the floor, plain clang -O2, `ykrw strip` (NOPs in place), `ykrw strip
# --relocate` (the calls left out of moved code) and trace-pc.
# Usage: scripts/bench-strip-floor.sh [BENCHDIR] [ROUNDS] [WORKDIR]
#   BENCHDIR as for build-baselines.sh (built there if missing; default .bench); the floors and
#   ykrw outputs go to WORKDIR (default BENCHDIR/strip-floor), so a shared BENCHDIR is only read.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${1:-$root/.bench}
rounds=${2:-7}
work=${3:-$out/strip-floor}
shared=$root/../shared/bench
"$shared/build-baselines.sh" "$out" >/dev/null
bin=$out/bin
mkdir -p "$work"
lua_src=$(ls -d "$out"/src/lua5.4-*/src | head -1)
amal=$out/sqlite-amalgamation
lua_flags=(-std=gnu99 -Wall -DLUA_COMPAT_5_3 -DLUA_USE_LINUX -I"$out/lua-gen")
sql_flags=(-DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -I"$amal")

# floor PROG LIBS FLAGS... -- SOURCES...: the same flags as build-baselines.sh's clang-tracepc
# variant, stopped at the assembly, the calls deleted, then assembled and linked without the stub.
floor() {
  local prog=$1 libs=$2; shift 2
  local flags=() objs=() f b dir=$work/obj-$prog
  while [ "$1" != -- ]; do flags+=("$1"); shift; done; shift
  [ -x "$work/$prog-floor" ] && return
  rm -rf "$dir"; mkdir -p "$dir"
  for f in "$@"; do
    b=$(basename "$f" .c)
    clang-16 -O2 -fsanitize-coverage=trace-pc "${flags[@]}" -S "$f" -o "$dir/$b.s"
    grep -v 'call.*__sanitizer_cov_trace_pc' "$dir/$b.s" > "$dir/$b.nocalls.s"
    clang-16 -c "$dir/$b.nocalls.s" -o "$dir/$b.o"
    objs+=("$dir/$b.o")
  done
  # shellcheck disable=SC2086
  clang-16 "${objs[@]}" -o "$work/$prog-floor" $libs
}
lua_files=()
for f in "$lua_src"/*.c; do [ "$(basename "$f")" = luac.c ] || lua_files+=("$f"); done
floor lua "-lm -ldl" "${lua_flags[@]}" -- "${lua_files[@]}"
floor sqlite3 "-lm" "${sql_flags[@]}" -- "$amal/sqlite3.c" "$amal/shell.c"

w=$shared/workloads
declare -A run=([lua]="$w/bench.lua" [sqlite3]=":memory: < $w/bench.sql")
for prog in lua sqlite3; do
  "$root/ykrw" strip "$bin/$prog-clang-tracepc" -o "$work/$prog-strip" --fn __sanitizer_cov_trace_pc >&2
  "$root/ykrw" strip --relocate "$bin/$prog-clang-tracepc" -o "$work/$prog-strip-relocate" \
    --fn __sanitizer_cov_trace_pc >&2
  ref=$(sh -c "$bin/$prog-clang-O2 ${run[$prog]}" | sha1sum)
  for v in "$work/$prog-floor" "$work/$prog-strip" "$work/$prog-strip-relocate" "$bin/$prog-clang-tracepc"; do
    [ "$(sh -c "$v ${run[$prog]}" | sha1sum)" = "$ref" ] || { echo "output of $v differs from $prog-clang-O2" >&2; exit 1; }
  done
done
for prog in lua sqlite3; do
  a=${run[$prog]}
  python3 "$root/scripts/bench-interleaved.py" "$rounds" "$prog: trace-pc calls removed, against the floor" \
    "floor (calls deleted from the assembly)=$work/$prog-floor $a" "clang -O2=$bin/$prog-clang-O2 $a" \
    "ykrw strip (NOPs)=$work/$prog-strip $a" "ykrw strip --relocate=$work/$prog-strip-relocate $a" \
    "trace-pc=$bin/$prog-clang-tracepc $a"
done
