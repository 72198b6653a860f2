/* The valid program the malformed corpus is made from (MalformedCorpusTest): small, but with every
 * table the reader follows: .dynamic, .dynsym, .rela.dyn/.rela.plt, .eh_frame(_hdr), .init_array,
 * .symtab (not stripped, so "main" can be patched), a jump table and a function pointer. */
#include <stdio.h>
#include <stdlib.h>

static int ready;

__attribute__((constructor)) static void init(void) { ready = 1; }

__attribute__((noinline)) static int pick(int x) {
    switch (x) {
    case 0: return 11;
    case 1: return 23;
    case 2: return 37;
    case 3: return 41;
    case 4: return 59;
    case 5: return 61;
    default: return -1;
    }
}

static int twice(int x) { return 2 * x; }
int (*volatile op)(int) = twice;

int main(int argc, char **argv) {
    int v = pick(argc) + op(argc);
    printf("%d %d %s\n", v, ready, argc > 1 ? argv[1] : "");
    return v > 1000 ? EXIT_FAILURE : 0;
}
