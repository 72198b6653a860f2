/*
 * busybox's other shape (TableOnlyFunctionsTest): built with -Os, functions follow one another with no
 * padding, and a function that ends in a call of one that never returns (die, through exit) is followed
 * at once by the next. Both applets and die are reached only through the table: a lift that takes die
 * for a function that returns runs on from `call die` into words_main and takes it in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline, noreturn)) static void die(const char *what) {
    fprintf(stderr, "packed: %s\n", what);
    exit(9);
}

__attribute__((noinline)) static int sum_main(int argc, char **argv) {
    long sum = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        sum += strtol(argv[i], &end, 10);
        if (*end != 0) {
            die("not a number");
        }
    }
    if (sum >= 0) {
        printf("%ld\n", sum);
        return 0;
    }
    die("negative");  /* the last instruction: words_main's code follows it */
}

__attribute__((noinline)) static int words_main(int argc, char **argv) {
    size_t letters = 0;
    for (int i = 1; i < argc; i++) {
        letters += strlen(argv[i]);
    }
    printf("%d words, %zu letters\n", argc - 1, letters);
    return letters & 3;
}

typedef int (*applet_main)(int, char **);
static applet_main const volatile applets[] = {sum_main, words_main};

int main(int argc, char **argv) {
    if (argc < 2 || (argv[1][0] != '0' && argv[1][0] != '1')) {
        return 2;
    }
    int status = applets[argv[1][0] - '0'](argc - 1, argv + 1);
    fflush(stdout);
    return status;
}
