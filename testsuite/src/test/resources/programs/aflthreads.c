/*
 * Two threads, each calling its own function CALLS times (AflTest, instrument --afl --functions
 * 'step.'): with argument "turns" they take turns call by call, else the first finishes before the
 * second starts. With a prev per thread, as AFL++ keeps it, both orders give one map; with one prev
 * for both threads, taking turns adds edges from step0 to step1 and back.
 */
#include <pthread.h>
#include <string.h>

#define CALLS 20

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int turn;        /* the thread whose call is next, when they take turns */
static int take_turns;
static volatile long sink;

__attribute__((noinline)) void step0(int i) {
    sink += i;
}

__attribute__((noinline)) void step1(int i) {
    sink -= i;
}

static void *run(void *arg) {
    int me = (int)(long)arg;
    for (int i = 0; i < CALLS; i++) {
        if (take_turns) {
            pthread_mutex_lock(&lock);
            while (turn != me) pthread_cond_wait(&changed, &lock);
            pthread_mutex_unlock(&lock);
        }
        if (me == 0) step0(i);
        else step1(i);
        if (take_turns) {
            pthread_mutex_lock(&lock);
            turn = !me;
            pthread_cond_broadcast(&changed);
            pthread_mutex_unlock(&lock);
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    take_turns = argc > 1 && strcmp(argv[1], "turns") == 0;
    pthread_t t[2];
    for (long me = 0; me < 2; me++) {
        pthread_create(&t[me], 0, run, (void *)me);
        if (!take_turns) pthread_join(t[me], 0);
    }
    if (take_turns)
        for (int me = 0; me < 2; me++) pthread_join(t[me], 0);
    return 0;
}
