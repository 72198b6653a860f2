/* Functions whose whole code is shorter than the 5-byte entry jump (issue 12: left in place, neither
 * traced nor counted). Built with the compilers' padding between functions and without it
 * (-falign-functions=1 packs them back to back), ShortEntryTest checks each is moved and entered
 * from its old address by a jump that reaches its new code. Some are called through pointers the
 * program passes around, so both entries are used. */
#include <stdio.h>
#include <stdlib.h>

static int flag = 3;

__attribute__((noinline)) void nothing(void) {
}

__attribute__((noinline)) int zero(void) {
    return 0;
}

__attribute__((noinline)) long ident(long x) {
    return x;
}

__attribute__((noinline)) long twice(long x) {
    return x + x;
}

__attribute__((noinline)) int get_flag(void) {
    return flag;
}

__attribute__((noinline)) long neg(long x) {
    return -x;
}

__attribute__((noinline)) long sum(const long *v, int n) {
    long s = 0;
    for (int i = 0; i < n; i++) {
        s += v[i] * (i + 1);
    }
    return s;
}

typedef long (*unary)(long);

__attribute__((noinline)) long apply(unary f, long x) {
    return f(x);
}

int main(int argc, char **argv) {
    unary ops[] = {ident, twice, neg};
    long v[8];
    long n = argc > 1 ? atol(argv[1]) : 5;
    for (int i = 0; i < 8; i++) {
        nothing();
        v[i] = apply(ops[i % 3], i + n) + zero() + get_flag();
    }
    printf("%ld %ld %d\n", sum(v, 8), apply(twice, n), zero());
    return 0;
}
