/*
 * A tracer that destroys every register state the ABI lets a callee destroy (every vector register,
 * the x87 stack), called at every block of a program that keeps doubles, long doubles and integers
 * live across blocks. The traced copy prints what the original prints only if the tracer stub
 * restores all of it. Guard bytes on main's frame, just above where a probe's stub frame goes,
 * catch a save area larger than the stub reserved (the crash on CPUs with AMX tile state).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static volatile unsigned long calls;

__attribute__((target("avx"), noinline)) static void clobber_avx(void) {
    __asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n vpcmpeqd %%ymm7, %%ymm7, %%ymm7\n"
                     "vpcmpeqd %%ymm8, %%ymm8, %%ymm8\n vpcmpeqd %%ymm15, %%ymm15, %%ymm15"
                     ::: "xmm0", "xmm7", "xmm8", "xmm15");
}

__attribute__((target("avx512f"), noinline)) static void clobber_avx512(void) {
    __asm__ volatile("vpternlogd $0xff, %%zmm1, %%zmm1, %%zmm1\n vpternlogd $0xff, %%zmm16, %%zmm16, %%zmm16\n"
                     "vpternlogd $0xff, %%zmm31, %%zmm31, %%zmm31\n kxnorw %%k1, %%k1, %%k1"
                     ::: "xmm1", "xmm16", "xmm31", "k1");
}

__attribute__((noinline)) void yk_trace_basicblock(size_t fn, size_t bb) {
    (void)fn;
    (void)bb;
    calls++;
    __asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n pcmpeqd %%xmm1, %%xmm1\n pcmpeqd %%xmm2, %%xmm2\n"
                     "pcmpeqd %%xmm3, %%xmm3\n pcmpeqd %%xmm4, %%xmm4\n pcmpeqd %%xmm5, %%xmm5\n"
                     "pcmpeqd %%xmm6, %%xmm6\n pcmpeqd %%xmm7, %%xmm7\n pcmpeqd %%xmm8, %%xmm8\n"
                     "pcmpeqd %%xmm9, %%xmm9\n pcmpeqd %%xmm10, %%xmm10\n pcmpeqd %%xmm11, %%xmm11\n"
                     "pcmpeqd %%xmm12, %%xmm12\n pcmpeqd %%xmm13, %%xmm13\n pcmpeqd %%xmm14, %%xmm14\n"
                     "pcmpeqd %%xmm15, %%xmm15\n fninit"
                     ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                       "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "st", "st(1)", "st(2)",
                       "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
    if (__builtin_cpu_supports("avx")) clobber_avx();
    if (__builtin_cpu_supports("avx512f")) clobber_avx512();
}

#define GUARD 16384

__attribute__((noinline)) static int guard_intact(const volatile unsigned char *g) {
    for (int i = 0; i < GUARD; i++)
        if (g[i] != 0x5A) return 0;
    return 1;
}

int main(int argc, char **argv) {
    (void)argv;
    volatile unsigned char guard[GUARD];
    memset((void *)guard, 0x5A, GUARD);
    double a = argc, b = 1.5, c = 0.25, d = -3.0;
    long double e = 1.0L / 3.0L, f = 2.0L;
    long n = 0;
    for (int i = 0; i < 20000; i++) {
        if (i % 3 == 0) a = a * 1.000001 + b;
        else if (i % 3 == 1) b = b - a * 1e-7 + c;
        else c = c * 0.999 + d * 1e-6;
        if (i % 7 == 0) d += 0.5;
        if (i & 1) e = e * 1.0000001L + f;
        else f = f / 1.0000001L - e * 1e-9L;
        n += i % 5 == 0 ? i : -1;
    }
    printf("%.9f %.9f %.9f %.9f %.12Lg %.12Lg %ld\n", a, b, c, d, e, f, n);
    printf("guard %s\n", guard_intact(guard) ? "intact" : "overwritten");
    printf("tracer called: %s\n", calls ? "yes" : "no");
    return 0;
}
