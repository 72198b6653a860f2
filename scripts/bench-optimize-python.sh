#!/usr/bin/env bash
# `ykrw optimize` of Debian's /usr/bin/python3.11 (built with PGO and LTO, stripped, no relocations:
# BOLT cannot instrument it) on a pure-Python workload, scripts/bench/python: richards, nbody, a
# JSON round trip and regular expressions (small pyperformance-style programs). Interleaved rounds,
# medians, against Debian's binary:
#   plain      /usr/bin/python3.11
#   null       ykrw rewrite (no profile): what moving the code alone costs
#   ext-tsp    ykrw optimize --block-order ext-tsp, profiled on richards alone (the defaults: functions that
#              ran in no profile move; those entered mostly through pointers stay, python3.11 being
#              position-dependent)
#   greedy     ykrw optimize --block-order greedy, the same profile
#   nosplit    ykrw optimize --no-split (ext-tsp, cold blocks kept at each function's end), the same profile
#   stay       ykrw optimize --unprofiled stay (ext-tsp; functions that ran in no profile stay), the same profile
#   all        ykrw optimize (ext-tsp), profiled on all four programs with smaller inputs than the timed ones
# The one-program profile is an instrument --counts run of richards on a smaller input than the one
# timed: the code the other three need (json's and re's C parts, floats) ran in no profile.
# Every variant's output is checked against plain's first, and each optimized binary runs a few of
# CPython's own test modules when libpython3.11-testsuite is installed. Then cachegrind's I1 misses
# and instructions over a short run of the workload (load-independent, unlike the times).
#   scripts/bench-optimize-python.sh WORKDIR [ROUNDS] [PYTHON]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
mkdir -p "$1"
work=$(cd "$1" && pwd)
rounds=${2:-11}
python=${3:-/usr/bin/python3.11}
programs=$root/scripts/bench/python
ykrw=$root/ykrw
# string hashes fixed: with random ones, dictionaries probe differently from run to run, and so do
# the instructions and misses cachegrind counts
export PYTHONHASHSEED=0

workload() { # BINARY SIZE: the four programs, SIZE 1 the timed input, 0 the profiled one, 2 the cachegrind one
  case $2 in
    1) echo "cd $programs && $1 richards.py 10 && $1 nbody.py 5000 && $1 json_roundtrip.py 10 && $1 regex.py 10" ;;
    0) echo "cd $programs && $1 richards.py 2 && $1 nbody.py 500 && $1 json_roundtrip.py 2 && $1 regex.py 2" ;;
    2) echo "cd $programs && $1 richards.py 3 && $1 nbody.py 1500 && $1 json_roundtrip.py 3 && $1 regex.py 3" ;;
  esac
}

"$ykrw" instrument --counts "$python" -o "$work/py.counts" 2>/dev/null
rm -rf "$work/runs-one" "$work/runs-all" && mkdir -p "$work/runs-one" "$work/runs-all"
(cd "$programs" && YKRW_COVERAGE_DIR=$work/runs-one "$work/py.counts" richards.py 3 > /dev/null)
YKRW_COVERAGE_DIR=$work/runs-all sh -c "$(workload "$work/py.counts" 0)" > /dev/null
"$ykrw" rewrite "$python" -o "$work/py.null" 2>/dev/null
optimize() { # VARIANT PROFILE OPTIONS...
  local v=$1 runs=$2
  shift 2
  "$ykrw" optimize "$python" --profile "$work/$runs"/*.ykcov "$@" -o "$work/py.$v" 2> "$work/$v.log"
}
optimize ext-tsp runs-one --block-order ext-tsp
optimize greedy runs-one --block-order greedy
optimize nosplit runs-one --block-order ext-tsp --no-split
optimize stay runs-one --block-order ext-tsp --unprofiled stay
optimize all runs-all --block-order ext-tsp
variants=(null ext-tsp greedy nosplit stay all)
want=$(sh -c "$(workload "$python" 1)" | md5sum)
for x in "${variants[@]}"; do
  got=$(sh -c "$(workload "$work/py.$x" 1)" | md5sum)
  [ "$got" = "$want" ] || { echo "python3.11 $x: output differs from plain" >&2; exit 1; }
done
if [ -d "$(dirname "$(readlink -f "$python")")/../lib/python3.11/test/test_json" ]; then
  for x in ext-tsp greedy nosplit stay all; do
    "$work/py.$x" -m test -q test_json test_re test_math test_struct test_dict > "$work/$x.tests" 2>&1 \
      || { echo "python3.11 $x: -m test failed, $work/$x.tests" >&2; exit 1; }
    echo "python3.11 $x: $(grep -E '^(Total tests|Tests result)' "$work/$x.tests" | tr '\n' ' ')"
  done
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
args=(plain="$(workload "$python" 1)")
for x in "${variants[@]}"; do
  args+=("$x=$(workload "$work/py.$x" 1)")
done
python3 "$root/scripts/bench-interleaved.py" "$rounds" python3.11 "${args[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v valgrind > /dev/null; then
  # a short run of each program (scripts/cachegrind-i1.sh); I1 misses of each, and of all four against plain's
  echo
  echo "cachegrind: richards.py 3, nbody.py 1500, json_roundtrip.py 3, regex.py 3"
  echo "| variant | instructions | I1 misses: richards | nbody | json | regex | all four | x |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  base=
  for x in plain "${variants[@]}"; do
    b=$work/py.$x
    [ "$x" = plain ] && b=$python
    refs=0 misses=0 each=
    for cmd in "richards.py 3" "nbody.py 1500" "json_roundtrip.py 3" "regex.py 3"; do
      read -r r m < <(cd "$programs" && "$root/scripts/cachegrind-i1.sh" "$b $cmd")
      refs=$((refs + r))
      misses=$((misses + m))
      each="$each $m |"
    done
    [ -z "$base" ] && base=$misses
    echo "| $x | $refs |$each $misses | $(python3 -c "print(f'{$misses / $base:.3f}')") |"
  done
fi
