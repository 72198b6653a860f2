/*
 * Strict mode's own test (issue 12): main reaches code in the middle of a function through a pointer
 * the analysis cannot see (twice_tail is a plain label, no function symbol, no FDE, no relocation of
 * its own). Rewritten plainly, the call runs twice's old code and works; rewritten with --strict, that
 * code is int3 and the program must die of SIGTRAP there, naming twice.
 */
#include <stdio.h>

__asm__(".text\n"
        ".globl twice\n"
        ".type twice, @function\n"
        "twice:\n"
        "  lea (%rdi,%rdi), %eax\n"
        "  nop\n  nop\n  nop\n  nop\n  nop\n  nop\n"
        ".globl twice_tail\n"
        "twice_tail:\n"
        "  ret\n"
        ".size twice, .-twice\n");

int twice(int);
extern char twice_tail[];

int main(int argc, char **argv) {
    (void)argv;
    printf("twice %d\n", twice(argc + 20));
    fflush(stdout);
    int (*volatile tail)(int) = (int (*)(int))(void *)twice_tail;
    /* eax still holds twice's result as the plain ret leaves it: the value is not checked */
    tail(1);
    puts("tail returned");
    return 0;
}
