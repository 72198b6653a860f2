/* A program whose blocks call the tracer of libtracer.so through the PLT, the way a
 * compiler-instrumented yk interpreter calls into the yk runtime. */
#include <stddef.h>
#include <stdio.h>

void yk_trace_basicblock(size_t function_index, size_t block_index);

int main(int argc, char **argv) {
    (void)argv;
    yk_trace_basicblock(1, 0);
    long sum = 0;
    for (int i = 0; i < 1000; i++) {
        sum += i * argc;
    }
    yk_trace_basicblock(1, 1);
    printf("sum %ld\n", sum);
    yk_trace_basicblock(1, 2);
    return 0;
}
