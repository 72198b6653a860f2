/* Checks --toggle while threads run: four threads execute traced code while the main thread asks
 * the runtime (through the signal named by YKRW_TRACE_FLIP_SIGNAL) to flip tracing on and off many
 * times. The results must not change and no thread may crash on a half-written site. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

static volatile int stop;

__attribute__((noinline)) static unsigned long mix(unsigned long x) {
    x ^= x >> 13;
    x *= 0x9E3779B97F4A7C15UL;
    return x ^ (x >> 29);
}

static void *worker(void *arg) {
    unsigned long h = (unsigned long)arg, n = 0;
    while (!stop || n < 2000000) {
        h = mix(h + n);
        n++;
        if (n == 2000000) break;
    }
    return (void *)h;
}

int main(void) {
    pthread_t t[4];
    for (long i = 0; i < 4; i++) pthread_create(&t[i], 0, worker, (void *)(i + 1));
    struct timespec pause = {0, 2000000};
    for (int i = 0; i < 40; i++) {
        raise(SIGWINCH); /* ignored by default; the runtime flips on it */
        nanosleep(&pause, 0);
    }
    stop = 1;
    unsigned long total = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        total ^= (unsigned long)r;
    }
    printf("total %lx\n", total);
    return 0;
}
