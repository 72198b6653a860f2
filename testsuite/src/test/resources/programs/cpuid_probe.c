/*
 * What the tracer stub's save area must be on this CPU, read from CPUID by code of the test's own:
 * prints the lines `YKRW_RUNTIME_INFO=1` makes an instrumented program print, so a runtime that
 * assumes a size (or a mask) differs from this on any CPU whose numbers are not that assumption.
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>

int main(void) {
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    unsigned max_leaf = a;
    __cpuid(1, a, b, c, d);
    if (!(c & bit_OSXSAVE) || max_leaf < 0xD) {
        printf("xsave instruction fxsave\nxsave mask 0x0\nxsave area 512\n");
        return 0;
    }
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    uint64_t xcr0 = (uint64_t)hi << 32 | lo;
    __cpuid_count(0xD, 1, a, b, c, d);
    const char *insn;
    uint64_t area;
    if (a & 2) {
        insn = "xsavec";
        /* compacted: legacy region and header, then enabled components in order, some 64-aligned */
        area = 576;
        for (int i = 2; i < 63; i++) {
            if (!(xcr0 >> i & 1)) continue;
            unsigned size, offset, flags, unused;
            __cpuid_count(0xD, i, size, offset, flags, unused);
            if (flags & 2) area = (area + 63) / 64 * 64;
            area += size;
        }
    } else {
        insn = (a & 1) ? "xsaveopt" : "xsave";
        __cpuid_count(0xD, 0, a, b, c, d);
        area = b;
    }
    printf("xsave instruction %s\nxsave mask 0x%llx\nxsave area %llu\n", insn, (unsigned long long)xcr0,
           (unsigned long long)area);
    return 0;
}
