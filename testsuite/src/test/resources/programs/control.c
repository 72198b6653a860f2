/* Checks: recursion, function pointers and a qsort callback, setjmp/longjmp, varargs, static
 * functions, and noreturn paths (exit and abort in error branches, a custom noreturn function) whose
 * calls must end their blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf env;

__attribute__((noreturn, noinline)) static void fail(const char *why, int code) {
    fprintf(stderr, "fatal: %s\n", why);
    exit(code);
}

__attribute__((noinline)) static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static int ackermann(int m, int n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

__attribute__((noinline)) static int sum_ints(int count, ...) {
    va_list ap;
    va_start(ap, count);
    int s = 0;
    for (int i = 0; i < count; i++) s += va_arg(ap, int);
    va_end(ap);
    return s;
}

static int cmp_desc(const void *a, const void *b) { return *(const int *)b - *(const int *)a; }
static int twice(int x) { return 2 * x; }
static int square(int x) { return x * x; }
static int (*ops[])(int) = {twice, square};

__attribute__((noinline)) static void deep(int n) {
    if (n == 0) longjmp(env, 42);
    deep(n - 1);
}

__attribute__((noinline)) int checked_div(int a, int b) {
    if (b == 0) abort();
    return a / b;
}

int main(int argc, char **argv) {
    if (argc > 3) fail("too many arguments", 3);
    printf("fib(20)=%ld ack(2,3)=%d\n", fib(20), ackermann(2, 3));
    printf("varargs %d\n", sum_ints(5, 1, 2, 3, 4, 5));
    int v[8] = {5, 3, 9, 1, 7, 2, 8, 6};
    qsort(v, 8, sizeof v[0], cmp_desc);
    for (int i = 0; i < 8; i++) printf("%d%c", v[i], i == 7 ? '\n' : ' ');
    int acc = 0;
    for (int i = 0; i < 10; i++) acc += ops[i & 1](i);
    printf("ops %d div %d\n", acc, checked_div(100, argc + 3));
    int r = setjmp(env);
    if (r == 0) deep(10);
    printf("longjmp returned %d\n", r);
    if (argc == 2 && strcmp(argv[1], "die") == 0) fail("asked to", 4);
    return 0;
}
