/* Checks --abi yk's per-thread tracing byte and the thread-local storage ykrw adds for it: thread-local
 * variables of the program (initialised, zeroed, a pointer that a PIE relocates) keep their values in
 * every thread; with "enable" one thread switches tracing on for itself (ykrw_trace_enable, found with
 * dlsym) while another runs untraced_work, so only traced_work may appear in the trace. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int target = 42;
static __thread int counter = 3;
static __thread long zeroed[4];
static __thread int *pointer = &target;

__attribute__((noinline)) static long traced_work(int n) {
    long s = 0;
    for (int i = 0; i < n; i++) s += i % 5 == 0 ? i : 2;
    return s;
}

__attribute__((noinline)) static long untraced_work(int n) {
    long s = 1;
    for (int i = 0; i < n; i++) s += i % 3 == 0 ? 3 * i : 1;
    return s;
}

static void (*enable)(void), (*disable)(void);
static pthread_barrier_t both;

static void *tracing_thread(void *arg) {
    (void)arg;
    pthread_barrier_wait(&both);
    if (enable) enable();
    counter += 10;
    long s = traced_work(40) + counter + *pointer + zeroed[2];
    if (disable) disable();
    return (void *)s;
}

static void *quiet_thread(void *arg) {
    (void)arg;
    pthread_barrier_wait(&both);
    counter += 20;
    long s = untraced_work(40) + counter + *pointer + zeroed[3];
    return (void *)s;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "enable") == 0) {
        enable = (void (*)(void))dlsym(RTLD_DEFAULT, "ykrw_trace_enable");
        disable = (void (*)(void))dlsym(RTLD_DEFAULT, "ykrw_trace_disable");
    }
    zeroed[1] = 7;
    pthread_barrier_init(&both, 0, 2);
    pthread_t a, b;
    void *ra, *rb;
    pthread_create(&a, 0, tracing_thread, 0);
    pthread_create(&b, 0, quiet_thread, 0);
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    printf("main %d %d %ld\n", counter, *pointer, zeroed[1]);
    printf("threads %ld %ld\n", (long)ra, (long)rb);
    return 0;
}
