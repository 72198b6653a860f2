#!/usr/bin/env bash
# How close can removing tracing calls get to a build without them? Issue 4 asks `ykrw strip` of lua
# built with clang -fsanitize-coverage=trace-pc to run within 2% of plain clang -O2. This builds the
# best any call remover can do: the same compiler output with every `call __sanitizer_cov_trace_pc`
# line deleted from the assembly before assembling it (no NOPs, nothing else touched). What remains
# between that and plain -O2 is how the compiler shaped the code around the calls (registers kept
# out of caller-saved ones, spills, split edges, frames in leaf functions): no call remover removes
# it. Then it times clang -O2, that floor, `ykrw strip` and trace-pc interleaved.
# Usage: scripts/bench-strip-floor.sh [OUTDIR] [ROUNDS]   (OUTDIR as for build-baselines.sh)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${1:-$root/.bench}
rounds=${2:-7}
shared=$root/../shared/bench
"$shared/build-baselines.sh" "$out" >/dev/null
bin=$out/bin
lua_src=$(ls -d "$out"/src/lua5.4-*/src | head -1)
floor_dir=$out/obj/tracepc-floor
floor=$bin/lua-clang-tracepc-floor
if [ ! -x "$floor" ]; then
  rm -rf "$floor_dir"; mkdir -p "$floor_dir"
  objs=()
  for f in "$lua_src"/*.c; do
    b=$(basename "$f" .c)
    [ "$b" = luac ] && continue
    # The same flags as build-baselines.sh's clang-tracepc variant, stopped at the assembly.
    clang-16 -O2 -fsanitize-coverage=trace-pc -std=gnu99 -Wall -DLUA_COMPAT_5_3 -DLUA_USE_LINUX \
      -I"$out/lua-gen" -S "$f" -o "$floor_dir/$b.s"
    grep -v 'call.*__sanitizer_cov_trace_pc' "$floor_dir/$b.s" > "$floor_dir/$b.nocalls.s"
    clang-16 -c "$floor_dir/$b.nocalls.s" -o "$floor_dir/$b.o"
    objs+=("$floor_dir/$b.o")
  done
  clang-16 "${objs[@]}" -o "$floor" -lm -ldl
fi
"$root/ykrw" strip "$bin/lua-clang-tracepc" -o "$bin/lua-clang-tracepc-stripped" --fn __sanitizer_cov_trace_pc >&2
w=$shared/workloads/bench.lua
ref=$(mktemp)
trap 'rm -f "$ref"' EXIT
"$bin/lua-clang-O2" "$w" > "$ref"
for v in lua-clang-tracepc-floor lua-clang-tracepc-stripped lua-clang-tracepc; do
  "$bin/$v" "$w" | cmp -s - "$ref" || { echo "output of $v differs from lua-clang-O2" >&2; exit 1; }
done
python3 "$root/scripts/bench-interleaved.py" "$rounds" "lua: trace-pc calls removed, against clang -O2" \
  "clang-O2=$bin/lua-clang-O2 $w" "floor (calls deleted from the assembly)=$floor $w" \
  "ykrw strip=$bin/lua-clang-tracepc-stripped $w" "trace-pc=$bin/lua-clang-tracepc $w"
