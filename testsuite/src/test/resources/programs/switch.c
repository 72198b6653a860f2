/* Checks: dense switch statements compiled to jump tables (relative in PIE, absolute in non-PIE),
 * a switch on a global variable, and a char-indexed switch; all table targets must be recovered.
 * Also the shapes interpreters and lexers have: computed-goto dispatch through a masked opcode into a
 * table shorter than the mask, its base kept in a register across the loop; a switch with a case
 * -1 (the compare bounds c+1, not c); a switch on a tag byte with no bound at all (unreachable
 * default). */
#include <stdio.h>
#include <stdlib.h>

int mode;

__attribute__((noinline)) int classify(int x) {
    switch (x) {
    case 0: return 11;
    case 1: return 23;
    case 2: return 37;
    case 3: return x * 41;
    case 4: return 53;
    case 5: return x + 67;
    case 6: return 71;
    case 7: return x ^ 83;
    case 8: return 97;
    case 9: return x - 101;
    case 10: return 113;
    case 11: return x * x;
    default: return -1;
    }
}

__attribute__((noinline)) const char *letter_kind(unsigned char c) {
    switch (c) {
    case 'a': return "vowel-a";
    case 'b': return "b";
    case 'c': return "c";
    case 'd': return "d";
    case 'e': return "vowel-e";
    case 'f': return "f";
    case 'g': return "g";
    case 'h': return "h";
    case 'i': return "vowel-i";
    case 'j': return "j";
    default: return "other";
    }
}

__attribute__((noinline)) int by_mode(int v) {
    switch (mode) {
    case 0: return v + 1;
    case 1: return v * 3;
    case 2: return v - 7;
    case 3: return v << 2;
    case 4: return v / 3;
    case 5: return v % 5;
    case 6: return ~v;
    default: return 0;
    }
}

__attribute__((noinline)) long note(long acc, int op) {
    return acc * 31 + op;
}

__attribute__((noinline)) long interpret(const unsigned char *pc) {
    static void *const ops[] = {&&push, &&add, &&mul, &&neg, &&dup, &&swap, &&drop, &&jump, &&halt};
    long stack[16];
    int sp = 0;
    long trace = 0;
#define DISPATCH do { trace = note(trace, *pc); goto *ops[*pc++ & 0x0f]; } while (0)
    DISPATCH;
push:
    stack[sp++] = *pc++;
    DISPATCH;
add:
    sp--;
    stack[sp - 1] += stack[sp];
    DISPATCH;
mul:
    sp--;
    stack[sp - 1] *= stack[sp];
    DISPATCH;
neg:
    stack[sp - 1] = -stack[sp - 1];
    DISPATCH;
dup:
    stack[sp] = stack[sp - 1];
    sp++;
    DISPATCH;
swap: {
    long t = stack[sp - 1];
    stack[sp - 1] = stack[sp - 2];
    stack[sp - 2] = t;
    DISPATCH;
}
drop:
    sp--;
    DISPATCH;
jump:
    pc += *pc + 1;
    DISPATCH;
halt:
    return stack[sp - 1] * 1000 + (trace & 0xfff);
}

__attribute__((noinline)) int token_kind(int c) {
    switch (c) {
    case -1: return 0;
    case '\n': return 1;
    case ' ': case '\t': return 2;
    case '"': return 3;
    case '#': return 4;
    case '(': return 5;
    case ')': return 6;
    case '*': return 7;
    case '+': return 8;
    case ',': return 9;
    case '-': return 10;
    case '.': return 11;
    case '/': return 12;
    case ':': return 13;
    case ';': return 14;
    case '<': return 15;
    case '=': return 16;
    case '>': return 17;
    case '[': return 18;
    case ']': return 19;
    case '{': return 20;
    case '}': return 21;
    case '~': return 22;
    default: return 99;
    }
}

struct tagged {
    unsigned char tag;
    long value;
};

__attribute__((noinline)) long tag_weight(const struct tagged *t) {
    switch (t->tag) {
    case 5: return t->value + 1;
    case 6: return t->value * 2;
    case 7: return t->value - 3;
    case 8: return t->value << 4;
    case 9: return t->value ^ 5;
    default: __builtin_unreachable();
    }
}

int main(int argc, char **argv) {
    long sum = 0;
    for (int i = -2; i < 14; i++) sum += classify(i + argc - 1);
    printf("classify sum %ld\n", sum);
    static const char s[] = "abcdefghijklmnop";
    for (int i = 0; i < (int)sizeof s - 1; i += 3) printf("%c:%s ", s[i], letter_kind((unsigned char)s[i]));
    printf("\n");
    for (mode = 0; mode < 8; mode++) sum += by_mode(100 + mode);
    printf("modes %ld\n", sum);
    static const unsigned char program[] = {0, 6, 4, 3, 0, 7, 2, 5, 1, 7, 2, 0, 99, 0, 2, 1, 8};
    printf("interpret %ld\n", interpret(program));
    static const char text[] = "f(a, b) = {x[1] + \"y\"; -z ~ #c / d < e > g * h . i : j}\n";
    unsigned long kinds = (unsigned long) token_kind(-1);
    for (int i = 0; text[i]; i++) kinds = kinds * 7 + (unsigned long) token_kind(text[i]);
    printf("tokens %lu\n", kinds);
    long weights = 0;
    for (int i = 0; i < 15; i++) {
        struct tagged t = {(unsigned char)(5 + i % 5), i * argc};
        weights += tag_weight(&t);
    }
    printf("tags %ld\n", weights);
    return argc > 5 ? EXIT_FAILURE : 0;
}
