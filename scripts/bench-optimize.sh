#!/usr/bin/env bash
# Benchmark of `ykrw optimize` (issue 17, docs/OPTIMIZE.md) against BOLT on lua and sqlite3 from
# ../shared/bench (gcc -O2 and clang -O2), interleaved rounds, medians:
#   plain     the baseline binary as built
#   null      ykrw rewrite (no profile): what moving the code alone costs
#   optimize  ykrw optimize of the stripped-relocation-free baseline, profiled with instrument --counts
#   bolt-base the same objects relinked with -Wl,--emit-relocs (BOLT's input; should equal plain)
#   bolt      llvm-bolt-16 -reorder-blocks=ext-tsp -reorder-functions=hfsort -split-functions
#             -split-all-cold -dyno-stats, profile from llvm-bolt-16 -instrument
# Profiles come from another input than the one timed: lua bench.lua with smaller arguments, sqlite3
# bench.sql with a tenth of the rows. Every variant's output is checked against plain's first.
#   scripts/bench-optimize.sh BENCHDIR [ROUNDS]     (BENCHDIR as given to build-baselines.sh)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
bench=$(cd "$1" && pwd)
rounds=${2:-11}
shared=$root/../shared/bench/workloads
work=$bench/optimize
mkdir -p "$work"
ykrw=$root/ykrw
bolt_rt=llvm-16/lib/libbolt_rt_instr.a   # Debian's llvm-bolt-16 puts /usr/lib/ in front of it
command -v llvm-bolt-16 >/dev/null || { echo "needs llvm-bolt-16: apt-get install bolt-16" >&2; exit 2; }
sed 's/300000/30000/' "$shared/bench.sql" > "$work/profile.sql"

timed() { # PROG BINARY
  case $1 in
    lua) echo "$2 $shared/bench.lua" ;;
    sqlite3) echo "$2 :memory: < $shared/bench.sql" ;;
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
    base=$bench/bin/$p-$v
    n=$work/$p-$v
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
    rm -rf "$n.runs" && mkdir -p "$n.runs"
    "$ykrw" instrument --counts "$base" -o "$n.counts" 2>/dev/null
    YKRW_COVERAGE_DIR=$n.runs sh -c "$(profiled "$p" "$n.counts")" > /dev/null
    "$ykrw" optimize "$base" --profile "$n.runs"/*.ykcov -o "$n.optimize" 2> "$n.optimize.log"
    "$ykrw" rewrite "$base" -o "$n.null" 2>/dev/null
    want=$(sh -c "$(timed "$p" "$base")" | md5sum)
    variants=(null optimize relocs)
    [ -x "$n.bolt" ] && variants+=(bolt)
    for x in "${variants[@]}"; do
      got=$(sh -c "$(timed "$p" "$n.$x")" | md5sum)
      [ "$got" = "$want" ] || { echo "$p-$v $x: output differs from plain" >&2; exit 1; }
    done
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    bolt=()
    [ -x "$n.bolt" ] && bolt=(bolt="$(timed "$p" "$n.bolt")")
    python3 "$root/scripts/bench-interleaved.py" "$rounds" "$p-$v" plain="$(timed "$p" "$base")" \
      null="$(timed "$p" "$n.null")" optimize="$(timed "$p" "$n.optimize")" \
      bolt-base="$(timed "$p" "$n.relocs")" "${bolt[@]}"
  done
done
