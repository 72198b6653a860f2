/*
 * A fuzzing target for instrument --afl: main reads the file named by its argument (afl-fuzz's @@)
 * and hands it to parse(buf, len), the function --afl-persistent loops on. "FUZZ" at the start
 * aborts (the crash afl-tmin minimises); other inputs print a score. Built with -DWITH_LIB, the
 * bracket counting is done by afllib.c's shared library, instrumented on its own.
 */
#include <stdio.h>
#include <stdlib.h>

#ifdef WITH_LIB
int afl_lib_brackets(const unsigned char *buf, size_t len);
#else
static int afl_lib_brackets(const unsigned char *buf, size_t len) {
    int depth = 0, max = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '(' && ++depth > max) max = depth;
        else if (buf[i] == ')' && depth > 0) depth--;
    }
    return max;
}
#endif

__attribute__((noinline)) int parse(const unsigned char *buf, size_t len) {
    int score = 0;
    if (len > 0 && buf[0] == 'F') {
        score++;
        if (len > 1 && buf[1] == 'U') {
            score++;
            if (len > 2 && buf[2] == 'Z') {
                score++;
                if (len > 3 && buf[3] == 'Z') abort();
            }
        }
    }
    for (size_t i = 0; i < len; i++) {
        switch (buf[i]) {
        case '\n': score += 2; break;
        case '#': score *= 3; break;
        case '0': case '1': case '2': case '3': case '4': score += buf[i] - '0'; break;
        default: break;
        }
    }
    return score + 10 * afl_lib_brackets(buf, len);
}

int main(int argc, char **argv) {
    static unsigned char buf[1 << 16];
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : stdin;
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    size_t n = fread(buf, 1, sizeof buf, f);
    printf("score %d\n", parse(buf, n));
    return 0;
}
