/* Coverage ground truth: which lines run depends on the arguments (a word and a number), so two
 * inputs cover different parts: a switch, loops, early returns, a recursive function and one that
 * only the second input reaches. Built with -O0 -g for ykrw and with --coverage for gcov. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int vowels(const char *s) {
    int n = 0;
    for (; *s; s++) {
        switch (*s) {
        case 'a': case 'e': case 'i': case 'o': case 'u':
            n++;
            break;
        case 'y':
            n += 2;
            break;
        default:
            break;
        }
    }
    return n;
}

static long fib(int n) {
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

static int rare(int x) {
    int r = 0;
    while (x > 0) {
        r += x % 10;
        x /= 10;
    }
    return r;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: covered WORD N\n");
        return 2;
    }
    int n = atoi(argv[2]);
    printf("vowels %d\n", vowels(argv[1]));
    if (n > 20) {
        printf("digits %d\n", rare(n));
        return 0;
    }
    printf("fib %ld\n", fib(n));
    if (strcmp(argv[1], "stop") == 0)
        return 1;
    return 0;
}
