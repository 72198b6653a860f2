/* Checks that children made by fork get run files of their own: the parent runs parent_work() 10
 * times, each of three children runs child_work() 7 times and exits through _exit. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long sink;

__attribute__((noinline)) void parent_work(long i) { sink += i; }
__attribute__((noinline)) void child_work(long i) { sink ^= i; }

int main(void) {
    for (int c = 0; c < 3; c++) {
        pid_t pid = fork();
        if (pid == 0) {
            for (long i = 0; i < 7; i++) child_work(i);
            _exit(0);
        }
        waitpid(pid, 0, 0);
    }
    for (long i = 0; i < 10; i++) parent_work(i);
    printf("done %ld\n", (long)sink);
    return 0;
}
