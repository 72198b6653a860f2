/*
 * busybox's shape (ThunkTest): "applets" called only through a table of function pointers, one of
 * them a thunk that is nothing but a jump to another applet's main. Built stripped and without
 * unwind tables, nothing names the jump's target but the table and the thunk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static int echo_main(int argc, char **argv) {
    int sum = 0;
    for (int i = 1; i < argc; i++) {
        sum += (int) strlen(argv[i]);
        printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
    }
    return sum & 7;
}

/* the thunk first, the code it jumps to after it: a function with no bound of its own would take it in */
__attribute__((noinline)) static int shout_main(int argc, char **argv);

__attribute__((noinline)) static int alias_main(int argc, char **argv) {
    return shout_main(argc, argv);
}

__attribute__((noinline)) static int shout_main(int argc, char **argv) {
    int n = 0;
    for (int i = 1; i < argc; i++) {
        for (char *c = argv[i]; *c; c++) {
            putchar(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
            n++;
        }
        putchar('\n');
    }
    return n % 5;
}

typedef int (*applet_main)(int, char **);
static applet_main const volatile applets[] = {echo_main, alias_main, shout_main};

int main(int argc, char **argv) {
    if (argc < 2) {
        return 2;
    }
    int which = atoi(argv[1]);
    if (which < 0 || which > 2) {
        return 3;
    }
    /* a call, as busybox's run_applet makes (a tail jump through the table would read as a jump table) */
    int status = applets[which](argc - 1, argv + 1);
    fflush(stdout);
    return status;
}
