/* Checks exact block counts and the traced block sequence: tick() runs exactly 1000 times, the odd
 * branch of classify() 500 times, and main's blocks once; nothing else varies between runs. */
#include <stdio.h>

static volatile long sink;

__attribute__((noinline)) void tick(long i) { sink += i; }

__attribute__((noinline)) int classify(long i) {
    if (i & 1) {
        sink ^= i;
        return 1;
    }
    return 0;
}

int main(void) {
    int odd = 0;
    for (long i = 0; i < 1000; i++) {
        tick(i);
        odd += classify(i);
    }
    printf("odd %d sink %ld\n", odd, (long)sink);
    return 0;
}
