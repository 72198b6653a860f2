#!/usr/bin/env bash
# Builds the embedded runtime (ykrw_rt.c) into a flat, position-independent blob that ykrw copies
# into instrumented binaries:  build-runtime.sh OUTDIR  ->  OUTDIR/ykrw_rt.bin, OUTDIR/ykrw_rt.syms
#   ykrw_rt.bin   code at offset 0; data at the next 4 KiB boundary (the two become two segments)
#   ykrw_rt.syms  "name offset" lines, plus "data_offset N", "image_size N" (data and bss included)
# It refuses a blob that would need relocations: only rip-relative addressing survives being moved.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-gcc}
"$cc" -std=gnu11 -O2 -fPIC -fvisibility=hidden -ffreestanding -fno-builtin -nostdlib -fno-stack-protector \
  -fcf-protection=none -mgeneral-regs-only -mfsgsbase -fno-asynchronous-unwind-tables -fno-jump-tables -Wall -Werror \
  -c "$src/ykrw_rt.c" -o "$tmp/rt.o"
cat > "$tmp/rt.ld" <<'LD'
SECTIONS {
  . = 0;
  .text : { *(.text .text.*) *(.rodata .rodata.*) }
  . = ALIGN(4096);
  .data : { *(.data .data.*) }
  .bss : { *(.bss .bss.* COMMON) }
  /DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) }
}
LD
ld -pie --no-dynamic-linker -z norelro -T "$tmp/rt.ld" -o "$tmp/rt.elf" "$tmp/rt.o"
if readelf -rW "$tmp/rt.elf" | grep -q 'R_X86_64'; then
  echo "ykrw_rt: the runtime needs relocations; keep it rip-relative" >&2
  readelf -rW "$tmp/rt.elf" >&2
  exit 1
fi
objcopy -O binary --only-section=.text --only-section=.data "$tmp/rt.elf" "$out/ykrw_rt.bin"
{
  nm "$tmp/rt.elf" | while read -r value kind name; do
    case "$kind:$name" in [TtDdBb]:ykrw_*) echo "$name $((16#$value))" ;; esac
  done
  readelf -SW "$tmp/rt.elf" | sed 's/^ *\[ *[0-9]*\] *//' | while read -r name type address offset size rest; do
    case $name in
      .data) echo "data_offset $((16#$address))" ;;
      .bss) echo "image_size $((16#$address + 16#$size))" ;;
    esac
  done
} > "$out/ykrw_rt.syms"
