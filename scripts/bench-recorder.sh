#!/usr/bin/env bash
# Issue 14, section 3: the embedded trace recorder (`instrument --trace` without a tracing function) on
# lua built by ../shared/bench/build-baselines.sh (clang -O2), timed interleaved against the same binary
# plain and clang's trace-pc build (a call on every edge to a stub storing into a thread-local ring);
# then the size of one run's trace, its records and dropped records as `trace dump` counts them.
# Every variant's output is checked against plain's first.
# Usage: scripts/bench-recorder.sh [OUTDIR] [ROUNDS]   (OUTDIR: where the baselines are, or are built)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${1:-$root/.bench}
rounds=${2:-7}
shared=$root/../shared/bench
"$shared/build-baselines.sh" "$out" >/dev/null
bin=$out/bin
work=$out/recorder
runs=$work/runs
mkdir -p "$work"
rm -rf "$runs" && mkdir -p "$runs"
export YKRW_TRACE_DIR=$runs
"$root/ykrw" instrument --trace "$bin/lua-clang-O2" -o "$work/lua-clang-recorder" 2>&1 | sed 's/^/  /' >&2
workload=$shared/workloads/bench.lua

for v in "$bin/lua-clang-O2" "$bin/lua-clang-tracepc" "$work/lua-clang-recorder"; do
  "$v" "$workload" > "$work/$(basename "$v").out"
  cmp -s "$work/lua-clang-O2.out" "$work/$(basename "$v").out" || { echo "output of $v differs" >&2; exit 1; }
done
trace=$(ls "$runs"/ykrw-trace.*.bin)
echo "one run's trace: $(stat -c %s "$trace") bytes, $(du -k "$trace" | cut -f1) KiB on disk"
"$root/ykrw" trace dump "$trace" --binary "$work/lua-clang-recorder" 2>&1 >/dev/null | tail -1
rm -f "$runs"/*

python3 "$root/scripts/bench-interleaved.py" "$rounds" "lua bench.lua (clang -O2): embedded recorder" \
  "plain=$bin/lua-clang-O2 $workload" \
  "trace-pc=$bin/lua-clang-tracepc $workload" \
  "recorder=$work/lua-clang-recorder $workload; rm -f $runs/*"
