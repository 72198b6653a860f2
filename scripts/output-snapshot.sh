#!/usr/bin/env bash
# Fingerprints what ykrw writes for a fixed set of programs, so that a refactoring can show it changed
# no output: run it before and after, and diff the two files.
#   scripts/output-snapshot.sh OUTFILE [BENCHDIR]
# For each program: sha1 of `rewrite`, `instrument --coverage` and `instrument --trace` outputs (the
# embedded block map's JSON included; a refusal is a line with its exit status), and `stats --json`
# without its time_ms (which varies). BENCHDIR (default .bench) adds the lua and
# sqlite3 builds of ../shared/bench/build-baselines.sh when they are there.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=$1
bench=${2:-$root/.bench}
jar=$root/cli/target/ykrw.jar
[ -f "$jar" ] || (cd "$root" && mvn -q -B -o -DskipTests package)
programs=(/usr/bin/python3.11 /usr/bin/perl /usr/bin/git /lib/x86_64-linux-gnu/libc.so.6 /bin/ls /bin/busybox)
for p in lua-gcc-O2 lua-clang-O2 sqlite3-gcc-O2 sqlite3-clang-O2; do
  [ -f "$bench/bin/$p" ] && programs+=("$bench/bin/$p")
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$out"
for p in "${programs[@]}"; do
  [ -f "$p" ] || continue
  name=$(basename "$p")
  java -Xss16m -jar "$jar" stats --json "$p" | sed 's/"time_ms": [0-9]*//' | sha1sum | sed "s|-|$name stats|" >> "$out"
  # a refusal (e.g. instrument --trace of perl, whose exported thread-local the runtime would move) is
  # part of the fingerprint: a line with its exit status, and the other outputs still counted
  for kind in rw:rewrite cov:"instrument --coverage" trace:"instrument --trace"; do
    # shellcheck disable=SC2086 # the command's words
    if java -Xss16m -jar "$jar" ${kind#*:} "$p" -o "$tmp/$name.${kind%%:*}" 2>/dev/null; then
      (cd "$tmp" && sha1sum "$name.${kind%%:*}") >> "$out"
    else
      echo "refused (exit $?)  $name.${kind%%:*}" >> "$out"
    fi
  done
  rm -f "$tmp/$name".*
  echo "snapshot: $name" >&2
done
