/*
 * Function pointers held in data (a table the loader relocates), taken in code, compared with each
 * other and with what dlsym answers, and handed to libc as a callback: what CodePointersTest rewrites
 * with the pointers to moved functions pointed at their new entries. Every line printed must stay the
 * same; "agree" lines print 1 only while a function has one address everywhere.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static int add(int a, int b) { return a + b; }
__attribute__((noinline)) static int sub(int a, int b) { return a - b; }
__attribute__((noinline)) static int mul(int a, int b) { return a * b; }
/* exported (linked with -rdynamic): other objects see .dynsym's address, so it keeps its old entry */
__attribute__((noinline)) int twice(int a, int b) { return 2 * (a + b); }

struct op {
    const char *name;
    int (*fn)(int, int);
};

struct op ops[] = {{"add", add}, {"sub", sub}, {"mul", mul}, {"twice", twice}};
static struct op *volatile table = ops;
int (*volatile chosen)(int, int);

__attribute__((noinline)) static int by_value(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    (void)argv;
    chosen = argc > 5 ? sub : add; /* a pointer taken in code */
    for (int i = 0; i < 4; i++) {
        printf("%s %d\n", table[i].name, table[i].fn(7, 3));
    }
    int sum = 0;
    for (int i = 0; i < 300; i++) { /* add, sub and mul entered 100 times more each, all through the table */
        sum += table[i % 3].fn(i, 1);
    }
    printf("sum %d\n", sum);
    printf("code and data agree: %d\n", chosen == table[0].fn);
    printf("distinct: %d\n", table[0].fn != table[1].fn);
    printf("dlsym agrees: %d\n", dlsym(RTLD_DEFAULT, "twice") == (void *)table[3].fn);
    int v[] = {5, 3, 9, 1, 7};
    qsort(v, 5, sizeof v[0], by_value);
    for (int i = 0; i < 5; i++) {
        printf("%d%c", v[i], i == 4 ? '\n' : ' ');
    }
    return 0;
}
