/* Checks: threads, signal handlers, thread-local variables, constructors/destructors and an IFUNC:
 * the runtime features rewriters most often break. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static __thread int tls_counter = 5;
static volatile sig_atomic_t got_signal;
static int ctor_ran;

__attribute__((constructor)) static void setup(void) { ctor_ran = 1; }
__attribute__((destructor)) static void teardown(void) { printf("destructor ran\n"); }

static void on_signal(int sig) { got_signal = sig; }

static void *worker(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < 1000; i++) tls_counter++;
    return (void *)(id * 1000 + tls_counter);
}

static int add_generic(int a, int b) { return a + b; }
static int (*resolve_add(void))(int, int) { return add_generic; }
int add_ifunc(int a, int b) __attribute__((ifunc("resolve_add")));

int main(void) {
    printf("constructor %d\n", ctor_ran);
    pthread_t t[4];
    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    long total = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    printf("threads %ld main tls %d\n", total, tls_counter);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("signal %d\n", (int)got_signal);
    printf("ifunc %d\n", add_ifunc(40, 2));
    return 0;
}
