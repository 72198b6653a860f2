/* A shared library exporting the yk tracing function, as libykcapi.so does: patched out with
 * `ykrw patch --disable` on a copy of the library. */
#include <stddef.h>
#include <stdio.h>

void yk_trace_basicblock(size_t function_index, size_t block_index) {
    printf("trace %zu %zu\n", function_index, block_index);
}
