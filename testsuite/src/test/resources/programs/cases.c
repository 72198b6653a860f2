/* Checks: switches whose cases call functions, in the shapes real C has, and every case of every one
 * of them runs (CaseCoverageTest checks each table target is a block of its function and is covered).
 * - step: issue 12's shape. clang -O1..-O3 saves the arguments between the bound check and the table
 *   load (`cmp edi, 6; ja; mov r14, rdx; mov rbx, rsi; mov eax, edi; lea rcx, [rip+T]; ...`) and the
 *   cases load rdi for their calls;
 * - third: the index in the third argument, the other two kept across the calls;
 * - eval: a switch on a struct field through a pointer (gcc: `cmp dword [rdi+8], 6; ja; mov eax,
 *   [rdi+8]; jmp [rax*8+T]`), recursive;
 * - lex: a char switch in a loop over a string, cases calling;
 * - offset: cases 100..108 on a long (the index is k-100);
 * - on_pick: a switch on what a call returned;
 * - nested: a switch inside a case of another. */
#include <stdio.h>
#include <stdlib.h>

/* Every case of every table must run: gcc must not clone a switch function for a constant argument
 * (nested.constprop, with a copy of the table only some of whose cases that caller reaches). */
#if defined(__clang__)
#define KEEP __attribute__((noinline))
#else
#define KEEP __attribute__((noipa))
#endif

static long total;

KEEP void note(const char *what, long v) {
    total += v;
    printf("%s %ld\n", what, v);
}

KEEP long step(int opcode, long x, long y) {
    switch (opcode) {
    case 0: puts("load"); return x;
    case 1: puts("add"); return x + y;
    case 2: printf("mul %ld\n", x); return x * y;
    case 3: puts("shift"); return x << (y & 15);
    case 4: return x % (y ? y : 3);
    case 5: puts("neg"); return -x;
    case 6: return x ^ y;
    default: puts("halt"); return 0;
    }
}

KEEP long third(long a, long b, unsigned k) {
    switch (k) {
    case 0: note("third-a", a); return a;
    case 1: note("third-b", b); return b;
    case 2: note("third-sum", a + b); return a + b;
    case 3: note("third-diff", a - b); return a - b;
    case 4: puts("third-none"); return 0;
    case 5: note("third-prod", a * b); return a * b;
    case 6: note("third-k", k); return k;
    case 7: note("third-a2", a * 2); return b;
    default: puts("third-default"); return -1;
    }
}

struct node {
    long value;
    int kind;
    struct node *left, *right;
};

KEEP long eval(const struct node *n) {
    switch (n->kind) {
    case 0: return n->value;
    case 1: return eval(n->left) + eval(n->right);
    case 2: return eval(n->left) * eval(n->right);
    case 3: return -eval(n->left);
    case 4: note("eval-print", eval(n->left)); return 0;
    case 5: return eval(n->left) > eval(n->right) ? eval(n->left) : eval(n->right);
    case 6: puts("eval-six"); return eval(n->left) - 1;
    default: puts("eval-bad"); return -99;
    }
}

KEEP int lex(const char *p) {
    int words = 0;
    for (; *p; p++) {
        switch (*p) {
        case 'a': note("lex-a", p[1]); break;
        case 'b': puts("lex-b"); words++; break;
        case 'c': note("lex-c", words); break;
        case 'd': puts("lex-d"); break;
        case 'e': note("lex-e", *p); words += 2; break;
        case 'f': puts("lex-f"); break;
        case 'g': note("lex-g", 7); break;
        case 'h': puts("lex-h"); words--; break;
        default: note("lex-other", *p); break;
        }
    }
    return words;
}

KEEP long offset(long k, long v) {
    switch (k) {
    case 100: note("off-100", v); return v;
    case 101: puts("off-101"); return v + 1;
    case 102: note("off-102", v * 3); return 2;
    case 103: puts("off-103"); return v - 3;
    case 104: note("off-104", k); return k;
    case 105: puts("off-105"); return 5;
    case 106: note("off-106", -v); return 6;
    case 107: puts("off-107"); return v << 2;
    case 108: note("off-108", v ^ k); return 8;
    default: puts("off-default"); return 0;
    }
}

KEEP int pick(int i) {
    return (i * 5) % 9;
}

KEEP void on_pick(int i) {
    switch (pick(i)) {
    case 0: puts("pick-0"); break;
    case 1: note("pick-1", i); break;
    case 2: puts("pick-2"); break;
    case 3: note("pick-3", i * i); break;
    case 4: puts("pick-4"); break;
    case 5: note("pick-5", -i); break;
    case 6: puts("pick-6"); break;
    case 7: note("pick-7", i + 7); break;
    default: puts("pick-8"); break;
    }
}

KEEP void nested(int outer, int inner) {
    switch (outer) {
    case 0: puts("outer-0"); break;
    case 1: note("outer-1", inner); break;
    case 2:
        switch (inner) {
        case 0: puts("inner-0"); break;
        case 1: note("inner-1", outer); break;
        case 2: puts("inner-2"); break;
        case 3: note("inner-3", 3); break;
        case 4: puts("inner-4"); break;
        case 5: note("inner-5", outer + inner); break;
        default: puts("inner-default"); break;
        }
        break;
    case 3: puts("outer-3"); break;
    case 4: note("outer-4", inner * 4); break;
    case 5: puts("outer-5"); break;
    default: puts("outer-default"); break;
    }
}

int main(void) {
    long acc = 1;
    for (int i = 0; i < 8; i++) {
        acc = step(i, acc + i, 5);
    }
    printf("step %ld\n", acc);
    for (unsigned k = 0; k < 9; k++) {
        acc += third(acc & 0xff, (long) k * 3, k);
    }
    struct node leaf1 = {4, 0, NULL, NULL}, leaf2 = {9, 0, NULL, NULL};
    struct node sum = {0, 1, &leaf1, &leaf2}, prod = {0, 2, &sum, &leaf2}, neg = {0, 3, &prod, NULL};
    struct node max = {0, 5, &neg, &leaf1}, six = {0, 6, &max, NULL}, print = {0, 4, &six, NULL};
    struct node bad = {0, 42, NULL, NULL};
    long printed = eval(&print);
    printf("eval %ld %ld\n", printed, eval(&bad));
    printf("lex %d\n", lex("abcdefgh xyz"));
    for (long k = 99; k <= 109; k++) {
        acc += offset(k, acc & 0xf);
    }
    for (int i = 0; i < 9; i++) {
        on_pick(i);
    }
    for (int o = 0; o < 7; o++) {
        nested(o, o == 2 ? 0 : 1);
    }
    for (int in = 1; in < 7; in++) {
        nested(2, in);
    }
    printf("acc %ld total %ld\n", acc, total);
    return 0;
}
