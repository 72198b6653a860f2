#!/usr/bin/env bash
# Makes sure the system packages ykrw needs are present.
#   scripts/ensure-deps.sh run    what running ykrw needs (a JDK, Maven, libcapstone4)
#   scripts/ensure-deps.sh test   what the test suite needs as well (compilers, binutils, graphviz ...)
# As root, missing packages are installed with apt-get; otherwise one line names them and it exits 2.
set -euo pipefail
mode=${1:-run}

RUN_PACKAGES="libcapstone4 gcc binutils"   # gcc and binutils build the embedded runtime (passes/src/main/c)
TEST_PACKAGES="libcapstone4 libcapstone-dev gcc g++ clang binutils graphviz gdb file busybox-static python3.11 perl git lcov chromium afl++"

need_cmd() {
  command -v "$1" >/dev/null 2>&1 || { echo "ykrw needs $1 ($2)" >&2; exit 2; }
}
need_cmd java "a JDK 17 or newer: apt-get install default-jdk"
need_cmd mvn "Apache Maven: apt-get install maven"

case $mode in
  run) wanted=$RUN_PACKAGES ;;
  test) wanted=$TEST_PACKAGES ;;
  *) echo "usage: $0 run|test" >&2; exit 64 ;;
esac

missing=()
for p in $wanted; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  echo "installing ${missing[*]} ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q "${missing[@]}" >/tmp/ykrw-apt.log 2>&1; then
    apt-get update -q >>/tmp/ykrw-apt.log 2>&1
    apt-get install -y -q "${missing[@]}" >>/tmp/ykrw-apt.log 2>&1 \
      || { echo "ykrw: could not install ${missing[*]} (see /tmp/ykrw-apt.log)" >&2; exit 2; }
  fi
else
  echo "ykrw needs ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
  exit 2
fi
