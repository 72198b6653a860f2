/*
 * An IFUNC of the program's own: ld.so runs its resolver (and the helper the resolver calls) while it
 * relocates the program, before any library's initialiser has run. Instrumented with --trace-lib, every
 * other probe calls the tracer straight through the slot ld.so fills; the resolver's must wait until
 * start-up. Built as a --trace-lib library with -DONLY_TRACER: a tracer that must not be called before
 * its library's initialiser (it traps then: a call of abort would make its code unknown to ykrw), counts its calls and reports the count at exit.
 */
#include <stddef.h>
#include <stdio.h>

#ifdef ONLY_TRACER
static unsigned long calls;
static int ready;

__attribute__((constructor)) static void start(void) {
    ready = 1;
}

void yk_trace_basicblock(size_t fn, size_t bb) {
    if (!ready) __builtin_trap();
    calls += 1 + ((fn ^ bb) & 0);
}

__attribute__((destructor)) static void report(void) {
    fprintf(stderr, "tracer calls: %lu\n", calls);
}
#else
static volatile int wanted = 3;

static int add_loop(int a, int b) {
    for (int i = 0; i < b; i++) a++;
    return a;
}

static int add_plain(int a, int b) {
    return a + b;
}

/* Branches and a loop, so that the resolver's callee has blocks of its own. */
__attribute__((noinline)) static int level(void) {
    int l = 0;
    for (int i = 0; i < wanted; i++) l += (i & 1) ? 2 : 1;
    return l;
}

static void *resolve_add(void) {
    return level() > 2 ? (void *)add_plain : (void *)add_loop;
}

int add(int a, int b) __attribute__((ifunc("resolve_add")));

int main(int argc, char **argv) {
    (void)argv;
    int (*through_pointer)(int, int) = add;
    long sum = 0;
    for (int i = 0; i < 1000; i++) sum += add(i, argc) + through_pointer(argc, i & 7);
    printf("sum %ld\n", sum);
    return 0;
}
#endif
