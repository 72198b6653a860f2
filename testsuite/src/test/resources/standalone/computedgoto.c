/* Checks: a computed-goto dispatch table in a PIE: an absolute jump table whose slots hold code
 * addresses set by R_X86_64_RELATIVE relocations (in .rela.dyn, or packed in RELR). The rewrite must
 * change the relocations' addends (RELR: the slots' bytes) so the table reaches the moved code.
 * Built at -O0, where gcc bounds the index with a compare the analysis can read. */
#include <stdio.h>

__attribute__((noinline)) static int run(const unsigned char *code, int acc) {
    static void *const ops[] = {&&add, &&sub, &&mul, &&halt};
    unsigned op;
#define NEXT do { op = *code++; if (op > 3) op = 3; goto *ops[op]; } while (0)
    NEXT;
add:
    acc += 7;
    NEXT;
sub:
    acc -= 2;
    NEXT;
mul:
    acc *= 3;
    NEXT;
halt:
    return acc;
}

int main(int argc, char **argv) {
    unsigned char prog[] = {0, 2, 1, 2, 0, 1, 3};
    (void) argv;
    printf("%d\n", run(prog, argc));
    return 0;
}
