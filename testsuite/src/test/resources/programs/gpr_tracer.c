/*
 * A tracer that overwrites every caller-saved general register and the flags (and nothing else),
 * called at every block of code that keeps integers live in registers across blocks and uses the red
 * zone of a leaf function. Its summary lets probes call it directly, saving only the registers live at
 * each block: the traced copy prints what the original prints only if each probe saved every live
 * register the tracer writes. Built four ways: whole (tracer and program), -DONLY_TRACER (a
 * --trace-lib library), -DNO_TRACER (a program that does not mention the tracer) and -DLIB_TRACER (a
 * program that imports the tracer from the -DONLY_TRACER library through its PLT).
 */
#include <stddef.h>
#include <stdio.h>

#ifdef LIB_TRACER
extern volatile unsigned long yk_calls;
void yk_trace_basicblock(size_t fn, size_t bb);
#elif !defined(NO_TRACER)
volatile unsigned long yk_calls;

__attribute__((noinline)) void yk_trace_basicblock(size_t fn, size_t bb) {
    yk_calls += 1 + ((fn ^ bb) & 0);
    __asm__ volatile("mov $0x5a5a5a5a, %%eax\n mov %%rax, %%rcx\n mov %%rax, %%rdx\n mov %%rax, %%rsi\n"
                     "mov %%rax, %%rdi\n mov %%rax, %%r8\n mov %%rax, %%r9\n mov %%rax, %%r10\n"
                     "mov %%rax, %%r11\n cmp $1, %%eax"
                     ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc");
}
#endif

#ifndef ONLY_TRACER
/* A leaf: many values in caller-saved registers, a small array in the red zone, branches between. */
__attribute__((noinline)) static unsigned long mix(unsigned long n, unsigned long seed) {
    volatile unsigned long spill[6] = {seed, seed + 1, seed + 2, seed + 3, seed + 4, seed + 5};
    unsigned long a = n, b = n * 3 + 1, c = n ^ 0x55, d = 7, e = 11, f = 13, g = 17, h = 19, k = seed;
    for (unsigned long i = 0; i < n; i++) {
        if (i & 1) a += b ^ i; else b += c * 3;
        if (i % 3 == 0) c ^= d << 1; else d += e;
        if (a > b) e = e * 5 + f; else f ^= g + i;
        if ((i & 7) == 3) g += h; else h ^= k + a;
        spill[i % 6] += a ^ h;
        k += a ^ b ^ c ^ d ^ e ^ f ^ g ^ h;
    }
    return a + b + c + d + e + f + g + h + k + spill[0] + spill[5];
}

/* Values live across calls and in argument registers at block starts. */
__attribute__((noinline)) static long pick(long x, long y, long z, long u, long v, long w) {
    return x > y ? z - u : v + w;
}

int main(int argc, char **argv) {
    (void)argv;
    unsigned long sum = 0;
    long t = argc;
    for (int r = 0; r < 50; r++) {
        sum += mix(1000 + r, sum);
        t = pick(t, r, t * 3, r * 5, t ^ r, sum & 0xff);
    }
#ifdef LIB_TRACER
    if (argc > 100) {
        yk_trace_basicblock(0, 0); /* never run: the program imports the tracer, as yk's users would */
    }
#endif
    printf("mix %lu pick %ld\n", sum, t);
#ifndef NO_TRACER
    printf("tracer called: %s\n", yk_calls ? "yes" : "no");
#endif
    return 0;
}
#endif
