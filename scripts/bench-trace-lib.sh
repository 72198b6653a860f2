#!/usr/bin/env bash
# Issue 14 part 1: the cost of `instrument --trace --trace-lib` with a tracing library that does what
# clang's trace-pc stub does (scripts/bench/yk_trace_ring.c: one store into an initial-exec TLS ring),
# against plain clang -O2 and clang -fsanitize-coverage=trace-pc, on lua's workload. Binaries come
# from ../shared/bench/build-baselines.sh (BIN, default /work/bench/bin, else built into OUTDIR).
# With BEFORE_JAR=path/to/ykrw.jar of an older ykrw, its output is timed too, on a small run only
# (the xsave-per-block stub costs over 100x plain there).
# Usage: scripts/bench-trace-lib.sh [OUTDIR] [ROUNDS] [SMALL_ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${1:-$root/.bench}
rounds=${2:-7}
small_rounds=${3:-3}
shared=$root/../shared/bench
# shellcheck source=scripts/bench/lib.sh
. "$root/scripts/bench/lib.sh"
mkdir -p "$out"
bin=${BIN:-/work/bench/bin}
if [ ! -x "$bin/lua-clang-O2" ] || [ ! -x "$bin/lua-clang-tracepc" ]; then
  "$shared/build-baselines.sh" "$out" >/dev/null
  bin=$out/bin
fi
lib=$out/libyktrace.so
build_ring_lib "$lib"
"$root/ykrw" instrument --trace --trace-lib "$lib" "$bin/lua-clang-O2" -o "$out/lua-ykrw-tracelib" 2>&1 | sed 's/^/  /' >&2
variants=(plain="$bin/lua-clang-O2" tracepc="$bin/lua-clang-tracepc" ykrw-tracelib="$out/lua-ykrw-tracelib")
if [ -n "${BEFORE_JAR:-}" ]; then
  java -jar "$BEFORE_JAR" instrument --trace --trace-lib "$lib" "$bin/lua-clang-O2" -o "$out/lua-ykrw-tracelib-before" 2>&1 \
    | sed 's/^/  /' >&2
fi
w=$shared/workloads/bench.lua
small="22 20000 10000"
ref=$("$bin/lua-clang-O2" "$w")
for v in "${variants[@]}"; do
  [ "$("${v#*=}" "$w")" = "$ref" ] || { echo "output of ${v%%=*} differs" >&2; exit 1; }
done
python3 "$root/scripts/bench-interleaved.py" "$rounds" "lua bench.lua, trace calls" \
  "${variants[@]/%/ $w}"
if [ -n "${BEFORE_JAR:-}" ]; then
  [ "$("$out/lua-ykrw-tracelib-before" "$w" $small)" = "$("$bin/lua-clang-O2" "$w" $small)" ] \
    || { echo "output of the older ykrw's binary differs" >&2; exit 1; }
  python3 "$root/scripts/bench-interleaved.py" "$small_rounds" "lua bench.lua $small, trace calls before and after" \
    "${variants[@]/%/ $w $small}" ykrw-tracelib-before="$out/lua-ykrw-tracelib-before $w $small"
fi
