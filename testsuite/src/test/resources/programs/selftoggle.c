/* Checks the exports of `instrument --trace --toggle` on a dynamically linked program: the program
 * looks up ykrw_trace_enable / ykrw_trace_disable with dlsym(RTLD_DEFAULT) and, when the output
 * exports them, traces only work() by flipping tracing itself. Uninstrumented it finds neither. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

__attribute__((noinline)) static long work(int n) {
    long s = 0;
    for (int i = 0; i < n; i++) s += i % 7 == 0 ? i : 1;
    return s;
}

int main(void) {
    void (*enable)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "ykrw_trace_enable");
    void (*disable)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "ykrw_trace_disable");
    printf("exports %s\n", enable && disable ? "found" : "missing");
    if (enable) enable();
    long s = work(100);
    if (disable) disable();
    printf("work %ld\n", s + work(10));
    return 0;
}
