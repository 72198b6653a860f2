#!/usr/bin/env bash
# Benchmark of `ykrw optimize` (issue 17, docs/OPTIMIZE.md) against BOLT on lua and sqlite3 from
# ../shared/bench (gcc -O2 and clang -O2), interleaved rounds, medians:
#   plain     the baseline binary as built
#   null      ykrw rewrite (no profile): what moving the code alone costs
#   optimize  ykrw optimize of the stripped-relocation-free baseline, profiled with instrument --counts
#             (default options: ext-TSP block order, hot/cold splitting)
#   greedy    the same with --block-order greedy
#   nosplit   the same with --no-split (each function's cold blocks stay at its end)
#   keep      the same with --keep-pointers (pointers and calls of staying code reach the old entries)
#   bolt-base the same objects relinked with -Wl,--emit-relocs (BOLT's input; should equal plain)
#   bolt      llvm-bolt-16 -reorder-blocks=ext-tsp -reorder-functions=hfsort -split-functions
#             -split-all-cold -dyno-stats, profile from llvm-bolt-16 -instrument
# Profiles come from another input than the one timed: lua bench.lua with smaller arguments, sqlite3
# bench.sql with a tenth of the rows. Every variant's output is checked against plain's first.
# Then, with valgrind, each variant's instructions and I1 misses (scripts/cachegrind-i1.sh) on a
# third input, shorter than the timed one: lua bench.lua 27 150000 60000, sqlite3 a fifth of the rows.
#   scripts/bench-optimize.sh BENCHDIR [ROUNDS] [WORKDIR] [PROGRAM-COMPILER...]
# BENCHDIR as given to build-baselines.sh; BOLT's builds are kept in BENCHDIR/optimize and reused,
# ykrw's go to WORKDIR (BENCHDIR/optimize by default); PROGRAM-COMPILER such as lua-gcc-O2 picks
# which of the four to run (all by default). ROUNDS 0: no timing, only the cachegrind counts;
# CACHEGRIND=0: no cachegrind counts.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
bench=$(cd "$1" && pwd)
rounds=${2:-11}
shared=$root/../shared/bench/workloads
boltdir=$bench/optimize
work=${3:-$boltdir}
mkdir -p "$boltdir" "$work"
work=$(cd "$work" && pwd)
shift $(($# < 3 ? $# : 3))
only=" ${*:-lua-gcc-O2 lua-clang-O2 sqlite3-gcc-O2 sqlite3-clang-O2} "
ykrw=$root/ykrw
bolt_rt=llvm-16/lib/libbolt_rt_instr.a   # Debian's llvm-bolt-16 puts /usr/lib/ in front of it
command -v llvm-bolt-16 >/dev/null || { echo "needs llvm-bolt-16: apt-get install bolt-16" >&2; exit 2; }
sed 's/300000/30000/' "$shared/bench.sql" > "$work/profile.sql"
sed 's/300000/60000/' "$shared/bench.sql" > "$work/short.sql"

timed() { # PROG BINARY
  case $1 in
    lua) echo "$2 $shared/bench.lua" ;;
    sqlite3) echo "$2 :memory: < $shared/bench.sql" ;;
  esac
}
short() { # PROG BINARY
  case $1 in
    lua) echo "$2 $shared/bench.lua 27 150000 60000" ;;
    sqlite3) echo "$2 :memory: < $work/short.sql" ;;
  esac
}
profiled() { # PROG BINARY
  case $1 in
    lua) echo "$2 $shared/bench.lua 25 100000 50000" ;;
    sqlite3) echo "$2 :memory: < $work/profile.sql" ;;
  esac
}

for p in lua sqlite3; do
  for v in gcc-O2 clang-O2; do
    [[ $only == *" $p-$v "* ]] || continue
    base=$bench/bin/$p-$v
    n=$boltdir/$p-$v
    y=$work/$p-$v
    case $v in gcc-*) cc=gcc ;; *) cc=clang-16 ;; esac
    case $p in lua) libs="-lm -ldl" ;; *) libs="-lm" ;; esac
    # BOLT's input: the same objects, relinked keeping their relocations
    [ -x "$n.relocs" ] || $cc "$bench/obj/$v/$p"/*.o -Wl,--emit-relocs -o "$n.relocs" $libs
    if [ ! -e "$n.bolt" ] && [ ! -e "$n.bolt-failed" ]; then
      llvm-bolt-16 "$n.relocs" -instrument -o "$n.instr" --instrumentation-file="$n.fdata" \
        -runtime-instrumentation-lib="$bolt_rt" > "$n.bolt-instr.log" 2>&1
      rm -f "$n.fdata"
      # BOLT 16's instrumented gcc builds can crash (gcc's .cold fragments: "support is limited in
      # relocation mode"): such a build is reported and left out of the timing
      if sh -c "$(profiled "$p" "$n.instr")" > /dev/null 2>&1; then
        llvm-bolt-16 "$n.relocs" -o "$n.bolt" -data="$n.fdata" -reorder-blocks=ext-tsp -reorder-functions=hfsort \
          -split-functions -split-all-cold -dyno-stats > "$n.bolt.log" 2>&1
      else
        echo "$p-$v: the BOLT-instrumented binary crashed on the profiling run" | tee "$n.bolt-failed" >&2
      fi
    fi
    # ykrw: counts of a run of the same binary, then the layout from them
    rm -rf "$y.runs" && mkdir -p "$y.runs"
    "$ykrw" instrument --counts "$base" -o "$y.counts" 2>/dev/null
    YKRW_COVERAGE_DIR=$y.runs sh -c "$(profiled "$p" "$y.counts")" > /dev/null
    "$ykrw" optimize "$base" --profile "$y.runs"/*.ykcov -o "$y.optimize" 2> "$y.optimize.log"
    "$ykrw" optimize "$base" --profile "$y.runs"/*.ykcov --block-order greedy -o "$y.greedy" 2> "$y.greedy.log"
    "$ykrw" optimize "$base" --profile "$y.runs"/*.ykcov --no-split -o "$y.nosplit" 2> "$y.nosplit.log"
    "$ykrw" optimize "$base" --profile "$y.runs"/*.ykcov --keep-pointers -o "$y.keep" 2> "$y.keep.log"
    "$ykrw" rewrite "$base" -o "$y.null" 2>/dev/null
    want=$(sh -c "$(timed "$p" "$base")" | md5sum)
    for b in "$y.null" "$y.optimize" "$y.greedy" "$y.nosplit" "$y.keep" "$n.relocs" "$n.bolt"; do
      [ -x "$b" ] || continue
      got=$(sh -c "$(timed "$p" "$b")" | md5sum)
      [ "$got" = "$want" ] || { echo "$p-$v $b: output differs from plain" >&2; exit 1; }
    done
    if [ "$rounds" -gt 0 ]; then
      echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
      bolt=()
      [ -x "$n.bolt" ] && bolt=(bolt="$(timed "$p" "$n.bolt")")
      python3 "$root/scripts/bench-interleaved.py" "$rounds" "$p-$v" plain="$(timed "$p" "$base")" \
        null="$(timed "$p" "$y.null")" optimize="$(timed "$p" "$y.optimize")" greedy="$(timed "$p" "$y.greedy")" \
        nosplit="$(timed "$p" "$y.nosplit")" keep="$(timed "$p" "$y.keep")" bolt-base="$(timed "$p" "$n.relocs")" "${bolt[@]}"
      echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    fi
    if [ "${CACHEGRIND:-1}" != 0 ] && command -v valgrind > /dev/null; then
      echo
      echo "$p-$v, cachegrind: $(short "$p" "$p" | sed "s|$shared/||; s|$work/||")"
      echo "| variant | instructions | I1 misses | x |"
      echo "|---|---:|---:|---:|"
      plain=
      for x in plain null optimize greedy nosplit keep bolt-base bolt; do
        case $x in plain) b=$base ;; bolt-base) b=$n.relocs ;; bolt) b=$n.bolt ;; *) b=$y.$x ;; esac
        [ -x "$b" ] || continue
        read -r refs misses < <("$root/scripts/cachegrind-i1.sh" "$(short "$p" "$b")")
        [ -z "$plain" ] && plain=$misses
        echo "| $x | $refs | $misses | $(python3 -c "print(f'{$misses / $plain:.3f}')") |"
      done
    fi
  done
done
