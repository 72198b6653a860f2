#!/usr/bin/env bash
# Instructions executed and first-level instruction-cache misses of one command under cachegrind
# (valgrind's cache simulator): counts that do not depend on the machine's load, unlike times.
# Prints "INSTRUCTIONS I1-MISSES". The command runs through sh; its output is discarded.
#   scripts/cachegrind-i1.sh 'BINARY ARGS... [< INPUT]'
set -euo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
sh -c "valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null --log-file=$log $1" > /dev/null
refs=$(grep -E 'I +refs' "$log" | awk '{print $NF}' | tr -d ,)
misses=$(grep -E 'I1 +misses' "$log" | awk '{print $NF}' | tr -d ,)
echo "$refs $misses"
