#!/usr/bin/env bash
# Benchmark: wall time of `ykrw stats BIN` against `objdump -d BIN`, measured side by side in one run
# (interleaved, N rounds each, medians), as issue 2 asks. Usage: scripts/bench-stats.sh [BIN] [N]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
bin=${1:-/usr/bin/python3.11}
rounds=${2:-5}
"$root/ykrw" --version >/dev/null   # builds the jar first, outside the timing
jar=$root/cli/target/ykrw.jar
now() { date +%s.%N; }
ykrw_times=() objdump_times=()
for ((i = 0; i < rounds; i++)); do
  t0=$(now); objdump -d "$bin" >/dev/null; t1=$(now)
  java -Xss16m -jar "$jar" stats "$bin" >/dev/null; t2=$(now)
  objdump_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
  ykrw_times+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN{print b-a}')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
o=$(median "${objdump_times[@]}")
y=$(median "${ykrw_times[@]}")
printf 'file: %s  rounds: %d\nobjdump -d:  median %.2f s\nykrw stats:  median %.2f s (JVM start included)\nratio ykrw/objdump: %.2f\n' \
  "$bin" "$rounds" "$o" "$y" "$(awk -v a="$y" -v b="$o" 'BEGIN{print a/b}')"
