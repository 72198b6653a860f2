/* Checks: dense switch statements compiled to jump tables (relative in PIE, absolute in non-PIE),
 * a switch on a global variable, and a char-indexed switch; all table targets must be recovered. */
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

int main(int argc, char **argv) {
    long sum = 0;
    for (int i = -2; i < 14; i++) sum += classify(i + argc - 1);
    printf("classify sum %ld\n", sum);
    static const char s[] = "abcdefghijklmnop";
    for (int i = 0; i < (int)sizeof s - 1; i += 3) printf("%c:%s ", s[i], letter_kind((unsigned char)s[i]));
    printf("\n");
    for (mode = 0; mode < 8; mode++) sum += by_mode(100 + mode);
    printf("modes %ld\n", sum);
    return argc > 5 ? EXIT_FAILURE : 0;
}
