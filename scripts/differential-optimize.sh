#!/usr/bin/env bash
# REWRITE command for ../shared/realworld/differential.sh that checks `ykrw optimize`: INPUT is
# profiled with `instrument --counts` on --version and --help (whatever it does with them), then
# optimized from those runs into OUTPUT.
#   ../shared/realworld/differential.sh -- scripts/differential-optimize.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
"$root/ykrw" instrument --counts "$1" -o "$runs/counted" 2>/dev/null
for arg in --version --help; do
  YKRW_COVERAGE_DIR=$runs timeout 20 "$runs/counted" "$arg" < /dev/null > /dev/null 2>&1 || true
done
"$root/ykrw" optimize "$1" --profile "$runs"/*.ykcov -o "$2"
