# Set-up shared by the benchmark scripts (sourced, not run): the workloads' command lines, the
# trace-pc "floor" builds, the ring-store tracing library, and the check that a variant's output
# equals plain's. The caller sets `root` (the checkout) and `shared` (../shared/bench) first.

# bench_cmd PROGRAM BINARY [SMALL_SQL]: the command line of one run of PROGRAM's workload (for sh -c /
# eval); with SMALL_SQL (small_sql's file), the reduced workload instruction counts run under valgrind:
# bench.lua 22 30000 10000, bench.sql cut to 30,000 rows.
bench_cmd() {
  case $1 in
    lua) echo "$2 $shared/workloads/bench.lua${3:+ 22 30000 10000}" ;;
    sqlite3) echo "$2 :memory: < ${3:-$shared/workloads/bench.sql}" ;;
    *) echo "bench_cmd: no workload for $1" >&2; return 1 ;;
  esac
}

# The prefix that counts the instructions a command executes (exactly, unlike time on a shared VM);
# --smc-check=all lets valgrind see the code --once and --toggle patch. Prints "Collected : N" on stderr.
VALGRIND_COUNT="valgrind --tool=callgrind --smc-check=all --callgrind-out-file=/dev/null"

# small_sql FILE: writes the reduced sqlite3 workload (bench.sql's 300,000 rows cut to 30,000) to FILE.
small_sql() {
  sed 's/300000/30000/g' "$shared/workloads/bench.sql" > "$1"
}

# same_output REFERENCE_COMMAND COMMAND NAME: stops the script unless both commands print the same.
same_output() {
  [ "$(sh -c "$2" 2>/dev/null | sha1sum)" = "$(sh -c "$1" 2>/dev/null | sha1sum)" ] \
    || { echo "output of $3 differs from plain's" >&2; exit 1; }
}

# build_floors BENCHDIR WORKDIR: WORKDIR/{lua,sqlite3}-floor, the best any remover of trace-pc calls
# can do: the same clang-16 -fsanitize-coverage=trace-pc assembly as build-baselines.sh's
# clang-tracepc variant, with every `call __sanitizer_cov_trace_pc` line deleted, assembled and linked
# without the stub. Beside it WORKDIR/{lua,sqlite3}-floor-yktest: the same assembly with each call
# replaced by yk's test as a compiler would place it (`cmpb $0, %fs:state@tpoff; jne cold`, 15 bytes as
# in ykrw's --abi yk; the byte stays clear, so cold is a ud2), what the test alone costs in the
# compiler's layout. Built once (kept if present).
build_floors() {
  local out=$1 work=$2
  local lua_src
  lua_src=$(ls -d "$out"/src/lua5.4-*/src | head -1)
  local amal=$out/sqlite-amalgamation
  local lua_files=() f
  for f in "$lua_src"/*.c; do [ "$(basename "$f")" = luac.c ] || lua_files+=("$f"); done
  mkdir -p "$work"
  _floor "$work" lua "-lm -ldl" -std=gnu99 -Wall -DLUA_COMPAT_5_3 -DLUA_USE_LINUX -I"$out/lua-gen" \
    -- "${lua_files[@]}"
  _floor "$work" sqlite3 "-lm" -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -I"$amal" -- "$amal/sqlite3.c" \
    "$amal/shell.c"
}

# _floor WORKDIR PROG LIBS FLAGS... -- SOURCES...
_floor() {
  local work=$1 prog=$2 libs=$3; shift 3
  local flags=() objs=() f b dir=$work/obj-$prog
  while [ "$1" != -- ]; do flags+=("$1"); shift; done; shift
  [ -x "$work/$prog-floor" ] && [ -x "$work/$prog-floor-yktest" ] && return
  rm -rf "$dir"; mkdir -p "$dir"
  for f in "$@"; do
    b=$(basename "$f" .c)
    clang-16 -O2 -fsanitize-coverage=trace-pc "${flags[@]}" -S "$f" -o "$dir/$b.s"
    grep -v 'call.*__sanitizer_cov_trace_pc' "$dir/$b.s" > "$dir/$b.nocalls.s"
    clang-16 -c "$dir/$b.nocalls.s" -o "$dir/$b.o"
    { sed 's/^\tcallq\?\t__sanitizer_cov_trace_pc.*$/\tcmpb\t$0, %fs:yk_test_state@TPOFF\n\tjne\t.Lyk_test_cold/' \
        "$dir/$b.s"
      printf '\t.section .text.unlikely,"ax",@progbits\n.Lyk_test_cold:\n\tud2\n'
    } > "$dir/$b.yktest.s"
    clang-16 -c "$dir/$b.yktest.s" -o "$dir/$b.yktest.o"
    objs+=("$dir/$b")
  done
  printf '\t.section .tbss,"awT",@nobits\n\t.globl yk_test_state\nyk_test_state:\n\t.zero 1\n%s\n' \
    '.section .note.GNU-stack,"",@progbits' > "$dir/state.s"
  clang-16 -c "$dir/state.s" -o "$dir/state.o"
  # shellcheck disable=SC2086
  clang-16 "${objs[@]/%/.o}" -o "$work/$prog-floor" $libs
  # shellcheck disable=SC2086
  clang-16 "${objs[@]/%/.yktest.o}" "$dir/state.o" -o "$work/$prog-floor-yktest" $libs
}

# build_ring_lib LIBRARY: the tracing library for --trace-lib whose yk_trace_basicblock(fn, bb) does
# the trace-pc stub's work (scripts/bench/yk_trace_ring.c: one store into an initial-exec TLS ring).
build_ring_lib() {
  clang-16 -O2 -fPIC -shared -Wl,-soname,"$(basename "$1")" "$root/scripts/bench/yk_trace_ring.c" -o "$1"
}
