#!/usr/bin/env bash
# `ykrw optimize` of Debian's /usr/bin/python3.11 (built with PGO and LTO, stripped, no relocations:
# BOLT cannot instrument it) on a pure-Python workload, scripts/bench/python: richards, nbody, a
# JSON round trip and regular expressions (small pyperformance-style programs). Interleaved rounds,
# medians, against Debian's binary:
#   plain      /usr/bin/python3.11
#   null       ykrw rewrite (no profile): what moving the code alone costs
#   ext-tsp    ykrw optimize --block-order ext-tsp
#   greedy     ykrw optimize --block-order greedy
#   nosplit    ykrw optimize --no-split (ext-tsp, cold blocks kept at each function's end)
# The profile is one instrument --counts run of each program on a smaller input than the one timed.
# Every variant's output is checked against plain's first; then cachegrind's I1 misses and
# instructions over a short run of the workload (load-independent, unlike the times).
#   scripts/bench-optimize-python.sh WORKDIR [ROUNDS] [PYTHON]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
mkdir -p "$1"
work=$(cd "$1" && pwd)
rounds=${2:-11}
python=${3:-/usr/bin/python3.11}
programs=$root/scripts/bench/python
ykrw=$root/ykrw

workload() { # BINARY SIZE: the four programs, SIZE 1 the timed input, 0 the profiled one, 2 the cachegrind one
  case $2 in
    1) echo "cd $programs && $1 richards.py 10 && $1 nbody.py 5000 && $1 json_roundtrip.py 10 && $1 regex.py 10" ;;
    0) echo "cd $programs && $1 richards.py 2 && $1 nbody.py 500 && $1 json_roundtrip.py 2 && $1 regex.py 2" ;;
    2) echo "cd $programs && $1 richards.py 3 && $1 nbody.py 1500 && $1 json_roundtrip.py 3 && $1 regex.py 3" ;;
  esac
}

rm -rf "$work/runs" && mkdir -p "$work/runs"
"$ykrw" instrument --counts "$python" -o "$work/py.counts" 2>/dev/null
YKRW_COVERAGE_DIR=$work/runs sh -c "$(workload "$work/py.counts" 0)" > /dev/null
"$ykrw" rewrite "$python" -o "$work/py.null" 2>/dev/null
"$ykrw" optimize "$python" --profile "$work/runs"/*.ykcov --block-order ext-tsp -o "$work/py.ext-tsp" 2> "$work/ext-tsp.log"
"$ykrw" optimize "$python" --profile "$work/runs"/*.ykcov --block-order greedy -o "$work/py.greedy" 2> "$work/greedy.log"
variants=(null ext-tsp greedy)
if "$ykrw" optimize --help 2>&1 | grep -q -- --no-split; then
  "$ykrw" optimize "$python" --profile "$work/runs"/*.ykcov --no-split -o "$work/py.nosplit" 2> "$work/nosplit.log"
  variants+=(nosplit)
fi
want=$(sh -c "$(workload "$python" 1)" | md5sum)
for x in "${variants[@]}"; do
  got=$(sh -c "$(workload "$work/py.$x" 1)" | md5sum)
  [ "$got" = "$want" ] || { echo "python3.11 $x: output differs from plain" >&2; exit 1; }
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
args=(plain="$(workload "$python" 1)")
for x in "${variants[@]}"; do
  args+=("$x=$(workload "$work/py.$x" 1)")
done
python3 "$root/scripts/bench-interleaved.py" "$rounds" python3.11 "${args[@]}"
if command -v valgrind > /dev/null; then
  echo
  echo "| variant | instructions | I1 misses | x |"
  echo "|---|---:|---:|---:|"
  base=
  for x in plain "${variants[@]}"; do
    b=$work/py.$x
    [ "$x" = plain ] && b=$python
    refs=0 misses=0
    for cmd in "richards.py 3" "nbody.py 1500" "json_roundtrip.py 3" "regex.py 3"; do
      (cd "$programs" && valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null $b $cmd \
        > /dev/null 2> "$work/cg.log")
      refs=$((refs + $(grep -E 'I +refs' "$work/cg.log" | awk '{print $NF}' | tr -d ,)))
      misses=$((misses + $(grep -E 'I1 +misses' "$work/cg.log" | awk '{print $NF}' | tr -d ,)))
    done
    [ -z "$base" ] && base=$misses
    echo "| $x | $refs | $misses | $(python3 -c "print(f'{$misses / $base:.3f}')") |"
  done
fi
