#!/usr/bin/env bash
# Fuzzing benchmark (issue 18, docs/FUZZING.md): the parse-only Lua compiler `luac -p @@`, built from the
# lua 5.4 sources of ../shared/bench (build-baselines.sh fetches them) with clang 14 -O2 -funroll-loops:
#   afl      built with afl-clang-fast (AFL++'s own instrumentation, PCGUARD edges)
#   ykrw     built with plain clang 14, stripped, then `ykrw instrument --afl`
# each under afl-fuzz for SECONDS from the same seeds, ROUNDS rounds, alternating; then persistent mode:
#   fork     luaparse (scripts/bench/luaparse.c: main reads @@, lua_parse_buffer(buf, len)) --afl
#   persist  the same with --afl-persistent lua_parse_buffer (given by address: the binary is stripped)
# Prints one line per run and a Markdown table of medians: execs/s, edges found (each tool's count) and, with
# perf installed, CPU microseconds per execution (afl-fuzz and the target), with the load average after each run.
#   scripts/bench-afl.sh BENCHDIR [SECONDS] [ROUNDS] [luac|persistent|all]   (BENCHDIR as given to
#   build-baselines.sh; the last argument picks one of the two comparisons, default all)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
bench=$(cd "$1" && pwd)
seconds=${2:-60}
rounds=${3:-3}
which=${4:-all}
lua=$bench/src/lua5.4-5.4.4/src
[ -d "$lua" ] || { echo "no lua sources in $lua: run ../shared/bench/build-baselines.sh $bench first" >&2; exit 2; }
work=$bench/afl
mkdir -p "$work/seeds"
core="lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser lstate lstring ltable ltm lundump lvm lzio lauxlib lbaselib lcorolib ldblib liolib lmathlib loadlib loslib lstrlib ltablib lutf8lib linit"
gen=$bench/lua-gen   # lua5.4-deb-multiarch.h, written by build-baselines.sh
flags="-O2 -funroll-loops -std=gnu99 -DLUA_COMPAT_5_3 -DLUA_USE_LINUX -I$gen -I$lua"
build() { # CC OUT MAIN.c
  local cc=$1 out=$2 main=$3 objs=() o
  mkdir -p "$work/obj-$out"
  for f in $core; do
    o=$work/obj-$out/$f.o
    [ -f "$o" ] || AFL_QUIET=1 $cc $flags -c "$lua/$f.c" -o "$o"
    objs+=("$o")
  done
  AFL_QUIET=1 $cc $flags -o "$work/$out" "$main" "${objs[@]}" -lm -ldl
}
[ -x "$work/luac-afl" ] || build afl-clang-fast luac-afl "$lua/luac.c"
[ -x "$work/luac-plain" ] || build clang-14 luac-plain "$lua/luac.c"
[ -x "$work/luaparse-plain" ] || build clang-14 luaparse-plain "$root/scripts/bench/luaparse.c"
ykrw=$root/ykrw
strip -o "$work/luac-stripped" "$work/luac-plain"
"$ykrw" instrument --afl "$work/luac-stripped" -o "$work/luac-ykrw" 2>"$work/luac-ykrw.log"
entry=0x$(nm "$work/luaparse-plain" | awk '$3 == "lua_parse_buffer" { print $1 }')
strip -o "$work/luaparse-stripped" "$work/luaparse-plain"
"$ykrw" instrument --afl "$work/luaparse-stripped" -o "$work/luaparse-fork" 2>/dev/null
"$ykrw" instrument --afl --afl-persistent "$entry" "$work/luaparse-stripped" -o "$work/luaparse-persist" 2>/dev/null
cp "$root/../shared/bench/workloads/bench.lua" "$work/seeds/bench.lua" 2>/dev/null || true
printf 'local t = {1, 2, x = "y"}\nfor i = 1, #t do print(t[i]) end\n' > "$work/seeds/table.lua"
printf 'function f(a, ...) return a and select("#", ...) or nil end\nreturn f(1, 2, 3)\n' > "$work/seeds/func.lua"
printf 'local s = [[long\nstring]] .. "\\x41\\u{48}" -- comment\nwhile true do break end\n' > "$work/seeds/lex.lua"

export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_QUIET=1 AFL_ALLOW_TMP=1
results=$work/results.txt
: > "$results"
: > "$work/covered.txt"
fuzz() { # NAME ROUND TARGET ARGS...
  local name=$1 round=$2 out=$work/out-$1-$2
  shift 2
  rm -rf "$out"
  local perf=
  ! command -v perf >/dev/null || perf="perf stat -x, -e task-clock -o $out.cpu"
  # CPU time of afl-fuzz and the target together (perf counts children too), per run: unlike execs/s
  # it hardly moves when other processes share afl-fuzz's core
  $perf afl-fuzz -i "$work/seeds" -o "$out" -V "$seconds" -m none -- "$@" > "$out.log" 2>&1 || true
  local s=$out/default/fuzzer_stats
  local done runtime edges total cpu=0
  done=$(awk -F' *: *' '$1 == "execs_done" { print $2 }' "$s")
  runtime=$(awk -F' *: *' '$1 == "run_time" { print $2 }' "$s")
  edges=$(awk -F' *: *' '$1 == "edges_found" { print $2 }' "$s")
  total=$(awk -F' *: *' '$1 == "total_edges" { print $2 }' "$s")
  [ -z "$perf" ] || cpu=$(awk -F, -v n="$done" '$3 == "task-clock" { printf "%.1f", $1 * 1000 / n }' "$out.cpu")
  echo "$name $round $((done / (runtime > 0 ? runtime : 1))) $edges $total $cpu $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$results"
}
# The two maps count edges differently (afl-clang-fast: a counter per instrumented edge; ykrw: pairs of
# blocks hashed), so edges_found compares nothing. What a campaign found is its queue: replayed through
# one build's map (afl-showmap -C), both queues are measured with the same rule, once with each rule.
covered() { # QUEUE YARDSTICK
  AFL_QUIET=1 afl-showmap -C -i "$1" -o /dev/null -m none -t 2000 -- "$2" -p @@ 2>&1 \
    | sed -n 's/.*Captured \([0-9]*\) tuples.*/\1/p' | tail -1
}
for round in $(seq "$rounds"); do
  if [ $((round % 2)) = 1 ]; then order="afl ykrw"; else order="ykrw afl"; fi
  [ "$which" = persistent ] || for t in $order; do
    fuzz "$t" "$round" "$work/luac-$t" -p @@
    echo "$t $round $(covered "$work/out-$t-$round/default/queue" "$work/luac-afl") $(covered "$work/out-$t-$round/default/queue" "$work/luac-ykrw")" >> "$work/covered.txt"
  done
  if [ $((round % 2)) = 1 ]; then order="fork persist"; else order="persist fork"; fi
  [ "$which" = luac ] || for t in $order; do fuzz "$t" "$round" "$work/luaparse-$t" @@; done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" "$work/covered.txt" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, _, rate, edges, total, cpu, load = line.split()
    runs.setdefault(name, []).append((int(rate), int(edges), int(total), float(cpu), float(load)))
def med(name, i):
    return statistics.median(r[i] for r in runs[name])
print("| target | execs/s (median) | runs | edges found (median) | map | CPU us/exec (median) | load average |")
print("|---|---:|---|---:|---:|---:|---|")
for name in ["afl", "ykrw", "fork", "persist"]:
    if name in runs:
        print(f"| {name} | {med(name, 0):.0f} | {', '.join(str(r[0]) for r in runs[name])} | {med(name, 1):.0f} | {runs[name][0][2]} "
              f"| {med(name, 3):.1f} | {', '.join(str(r[4]) for r in runs[name])} |")
def ratio(a, b, what):
    rounds = ", ".join(f"{x[0] / y[0]:.2f}" for x, y in zip(runs[a], runs[b]))
    cpu = f", CPU per exec {med(b, 3) / med(a, 3):.2f}" if med(a, 3) > 0 else ""
    print(f"{what}: execs/s {med(a, 0) / med(b, 0):.2f} (rounds {rounds}){cpu}")
if "afl" in runs and "ykrw" in runs:
    ratio("ykrw", "afl", "ykrw / afl-clang-fast")
    print(f"  edges_found {med('ykrw', 1) / med('afl', 1):.2f} (each map's own count: not comparable)")
    queues = {}
    for line in open(sys.argv[2]):
        name, _, by_afl, by_ykrw = line.split()
        queues.setdefault(name, []).append((int(by_afl), int(by_ykrw)))
    for i, rule in enumerate(["afl-clang-fast's edges", "ykrw's block pairs"]):
        a = statistics.median(q[i] for q in queues["afl"])
        y = statistics.median(q[i] for q in queues["ykrw"])
        rounds = ", ".join(f"{q[i]}/{p[i]}" for q, p in zip(queues["ykrw"], queues["afl"]))
        print(f"  queues replayed, {rule}: ykrw's {y:.0f} / afl-clang-fast's {a:.0f} = {y / a:.2f} (rounds {rounds})")
if "fork" in runs and "persist" in runs:
    ratio("persist", "fork", "persistent / fork server")
PY
