/*
 * busybox's third shape (TableOnlyFunctionsTest): an applet's main that ends in a tail call of
 * another applet's main placed further on, past other functions (`pop rbx; jmp shout_main`). Both
 * are reached only through the table; without unwind tables nothing bounds first_main, so a lift
 * that takes the jump for one inside it takes shout_main's code in, and the table still calls
 * shout_main's old address.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) static int shout_main(int argc, char **argv);

__attribute__((noinline)) static int count_main(int argc, char **argv) {
    size_t letters = 0;
    for (int i = 1; i < argc; i++) {
        letters += strlen(argv[i]);
    }
    printf("%zu letters\n", letters);
    return shout_main(argc, argv);  /* a tail call: the frame is gone before the jump */
}

__attribute__((noinline)) static int words_main(int argc, char **argv) {
    printf("%d words\n", argc - 1);
    return argc & 3;
}

__attribute__((noinline)) static int shout_main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        for (char *c = argv[i]; *c; c++) {
            putchar(toupper((unsigned char)*c));
        }
        putchar('\n');
    }
    return 5;
}

typedef int (*applet_main)(int, char **);
static applet_main const volatile applets[] = {count_main, words_main, shout_main};

int main(int argc, char **argv) {
    if (argc < 2 || argv[1][0] < '0' || argv[1][0] > '2') {
        return 2;
    }
    int status = applets[argv[1][0] - '0'](argc - 1, argv + 1);
    fflush(stdout);
    return status;
}
