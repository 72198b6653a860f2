/* Checks: a program calling into its own shared library (libykrwdemo.so from demolib.c), through
 * the PLT, and a callback from the library back into the program. */
#include <stdio.h>

int demo_scale(int x);
int demo_apply(int (*fn)(int), int x);

static int plus_one(int x) { return x + 1; }

int main(void) {
    printf("scale %d apply %d\n", demo_scale(21), demo_apply(plus_one, 41));
    return 0;
}
