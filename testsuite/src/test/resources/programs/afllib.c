/* The shared library of aflparse.c built with -DWITH_LIB: instrumented for AFL apart from the program. */
#include <stddef.h>

int afl_lib_brackets(const unsigned char *buf, size_t len) {
    int depth = 0, max = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '(' && ++depth > max) max = depth;
        else if (buf[i] == ')' && depth > 0) depth--;
    }
    return max;
}
