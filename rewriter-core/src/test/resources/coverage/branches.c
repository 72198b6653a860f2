/* Coverage fixture: a few functions whose blocks run or not depending on argc, so a test can pick
 * covered blocks with known meaning. Built with -g by the coverage tests. */
#include <stdio.h>
#include <stdlib.h>

static int classify(int n) {
    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    return 1;
}

int sum_to(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        s += i;
    return s;
}

__attribute__((noinline)) void never_called(void) {
    puts("never");
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 3;
    printf("%d %d\n", classify(n), sum_to(n));
    if (argc > 2)
        never_called();
    return 0;
}
