/* Switches yk tracing on around one call of work(), through the tracing library's yk_on/yk_off when one
 * is loaded (--trace-lib yktracelib), else through the embedded runtime's ykrw_trace_enable, and prints
 * how many wrapper calls the library counted: equal to the blocks the embedded recorder records. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

__attribute__((noinline)) static long work(int n) {
    long s = 0;
    for (int i = 0; i < n; i++) s += i % 3 ? i : 1;
    return s;
}

int main(void) {
    void (*on)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "yk_on");
    void (*off)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "yk_off");
    if (!on) {
        on = (void (*)(void))dlsym(RTLD_DEFAULT, "ykrw_trace_enable");
        off = (void (*)(void))dlsym(RTLD_DEFAULT, "ykrw_trace_disable");
    }
    unsigned long (*count)(void) = (unsigned long (*)(void))dlsym(RTLD_DEFAULT, "yk_count");
    long s = work(10);
    if (on) on();
    s += work(100);
    if (off) off();
    printf("work %ld\n", s + work(5));
    if (count) printf("wrapper calls %lu\n", count());
    return 0;
}
