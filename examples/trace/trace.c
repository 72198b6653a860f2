/* The shape of yk's 2024 software-tracing seed: the compiler put a call to
 * yk_trace_basicblock(function_index, block_index) at the start of blocks; this program
 * defines the tracer itself and prints what it is told, so stripping or patching the calls
 * out is visible in its output (four "trace" lines). */
#include <stddef.h>
#include <stdio.h>

__attribute__((noinline)) void yk_trace_basicblock(size_t function_index, size_t block_index) {
    printf("trace %zu %zu\n", function_index, block_index);
}

__attribute__((noinline)) static int collatz_steps(long n) {
    int steps = 0;
    while (n != 1) {
        n = (n % 2 == 0) ? n / 2 : 3 * n + 1;
        steps++;
    }
    return steps;
}

int main(void) {
    yk_trace_basicblock(0, 0);
    int best = 0;
    long arg = 0;
    for (long i = 1; i < 10000; i++) {
        int s = collatz_steps(i);
        if (s > best) {
            best = s;
            arg = i;
        }
    }
    yk_trace_basicblock(0, 1);
    printf("longest collatz chain below 10000: %ld (%d steps)\n", arg, best);
    yk_trace_basicblock(0, 2);
    if (best > 1000) {
        printf("unexpected\n");
    }
    yk_trace_basicblock(0, 3);
    return 0;
}
