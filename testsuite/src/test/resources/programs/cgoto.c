/* Checks: a bytecode interpreter dispatched by computed goto, the shape of lua 5.4's luaV_execute:
 * a table of label addresses (`static const void *const table[] = {&&l, ...}`) indexed by the
 * opcode masked to 4 bits (16 values for 11 labels: no compare bounds the index), and a `goto *`
 * at the end of every handler, which the compilers keep as one indirect jump per handler. The
 * interpreter counts how often each opcode runs and prints the counts: the ground truth for the
 * block counts of the labels. The exit status is the program's result modulo 64. */
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, LOAD, STORE, ADD, MUL, DEC, JNZ, DUP, DROP, PRINT, HALT, NOPS };

static long executed[NOPS];

__attribute__((noinline)) static long run(const unsigned char *code, long *vars) {
    static const void *const table[] = {&&op_push, &&op_load, &&op_store, &&op_add, &&op_mul, &&op_dec,
                                        &&op_jnz, &&op_dup, &&op_drop, &&op_print, &&op_halt};
    long stack[16];
    long *sp = stack;
    const unsigned char *pc = code;
    unsigned op;
#define DISPATCH() do { op = *pc++ & 15; executed[op]++; goto *table[op]; } while (0)
    DISPATCH();
op_push:
    *sp++ = (signed char) *pc++;
    DISPATCH();
op_load:
    *sp++ = vars[*pc++];
    DISPATCH();
op_store:
    vars[*pc++] = *--sp;
    DISPATCH();
op_add:
    sp--;
    sp[-1] += sp[0];
    DISPATCH();
op_mul:
    sp--;
    sp[-1] *= sp[0];
    DISPATCH();
op_dec:
    sp[-1]--;
    DISPATCH();
op_jnz:
    if (*--sp != 0) {
        pc -= *pc;
    } else {
        pc++;
    }
    DISPATCH();
op_dup:
    sp[0] = sp[-1];
    sp++;
    DISPATCH();
op_drop:
    sp--;
    DISPATCH();
op_print:
    printf("%ld\n", sp[-1]);
    DISPATCH();
op_halt:
    return sp > stack ? sp[-1] : -1;
}

int main(int argc, char **argv) {
    /* sum of i*i for i = n..1, n from the command line (default 30), printing every partial sum */
    static const unsigned char code[] = {
        LOAD, 0, STORE, 1,             /* i = n */
        PUSH, 0, STORE, 2,             /* s = 0 */
        LOAD, 1, DUP, MUL,             /* loop (8): i*i */
        LOAD, 2, ADD, PRINT, STORE, 2, /* s += i*i, printed */
        LOAD, 1, DEC, DUP, STORE, 1,   /* --i */
        JNZ, 17,                       /* back to 8 while i != 0 (pc is at 25) */
        PUSH, 7, DROP, LOAD, 2, HALT};
    long vars[3] = {argc > 1 ? atol(argv[1]) : 30, 0, 0};
    /* read through a volatile pointer: with the bytecode known, clang turns the first dispatch into
     * a jump to one label's address (`lea rax, [rip+L]; jmp rax`), no table */
    const unsigned char *volatile opaque = code;
    long r = run(opaque, vars);
    static const char *const names[NOPS] = {"push", "load", "store", "add", "mul", "dec", "jnz", "dup", "drop",
                                            "print", "halt"};
    for (int i = 0; i < NOPS; i++) {
        printf("%s %ld\n", names[i], executed[i]);
    }
    return (int) (r % 64);
}
