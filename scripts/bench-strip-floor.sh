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
# shellcheck source=scripts/bench/lib.sh
. "$root/scripts/bench/lib.sh"
"$shared/build-baselines.sh" "$out" >/dev/null
bin=$out/bin
mkdir -p "$work"
build_floors "$out" "$work"

for prog in lua sqlite3; do
  "$root/ykrw" strip "$bin/$prog-clang-tracepc" -o "$work/$prog-strip" --fn __sanitizer_cov_trace_pc >&2
  "$root/ykrw" strip --relocate "$bin/$prog-clang-tracepc" -o "$work/$prog-strip-relocate" \
    --fn __sanitizer_cov_trace_pc >&2
  for v in "$work/$prog-floor" "$work/$prog-strip" "$work/$prog-strip-relocate" "$bin/$prog-clang-tracepc"; do
    same_output "$(bench_cmd $prog "$bin/$prog-clang-O2")" "$(bench_cmd $prog "$v")" "$v"
  done
done
for prog in lua sqlite3; do
  a=$(bench_cmd $prog "")
  python3 "$root/scripts/bench-interleaved.py" "$rounds" "$prog: trace-pc calls removed, against the floor" \
    "floor (calls deleted from the assembly)=$work/$prog-floor $a" "clang -O2=$bin/$prog-clang-O2 $a" \
    "ykrw strip (NOPs)=$work/$prog-strip $a" "ykrw strip --relocate=$work/$prog-strip-relocate $a" \
    "trace-pc=$bin/$prog-clang-tracepc $a"
done
