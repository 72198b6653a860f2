#!/usr/bin/env bash
# Benchmark: `ykrw stats BIN` (or `ykrw rewrite BIN -o TMP`) against `objdump -d BIN`, measured side by
# side in one run (interleaved, N rounds each, medians), as issues 2 and 3 ask. ykrw runs through the
# ./ykrw launcher, as users run it (JVM options and class-data archive included). Wall time is what
# the goal is about; CPU time (user + sys) is printed too because it is far less disturbed by other
# work on a shared machine.  Usage: scripts/bench-stats.sh [BIN] [N] [stats|rewrite]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
bin=${1:-/usr/bin/python3.11}
rounds=${2:-5}
mode=${3:-stats}
"$root/ykrw" --version >/dev/null   # builds the jar and its class-data archive first, outside the timing
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $mode in
  stats) ykrw_cmd=("$root/ykrw" stats "$bin") ;;
  rewrite) ykrw_cmd=("$root/ykrw" rewrite "$bin" -o "$tmp/out") ;;
  *) echo "usage: $0 [BIN] [N] [stats|rewrite]" >&2; exit 64 ;;
esac
# Appends "wall cpu" of one run of the command to the file named first.
measure() {
  local log=$1; shift
  /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@" >/dev/null 2>&1
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$tmp/t" >>"$log"
}
for ((i = 0; i < rounds; i++)); do
  measure "$tmp/objdump" objdump -d "$bin"
  measure "$tmp/ykrw" "${ykrw_cmd[@]}"
done
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ow=$(cut -d' ' -f1 "$tmp/objdump" | median); oc=$(cut -d' ' -f2 "$tmp/objdump" | median)
yw=$(cut -d' ' -f1 "$tmp/ykrw" | median); yc=$(cut -d' ' -f2 "$tmp/ykrw" | median)
printf 'file: %s  rounds: %d  ykrw command: %s\n' "$bin" "$rounds" "$mode"
printf 'objdump -d:  median wall %.2f s, cpu %.2f s\n' "$ow" "$oc"
printf 'ykrw %-7s median wall %.2f s, cpu %.2f s (JVM start included)\n' "$mode:" "$yw" "$yc"
printf 'ratio ykrw/objdump: wall %.2f, cpu %.2f\n' "$(awk -v a="$yw" -v b="$ow" 'BEGIN{print a/b}')" \
  "$(awk -v a="$yc" -v b="$oc" 'BEGIN{print a/b}')"
