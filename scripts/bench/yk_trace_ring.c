/* A tracing library for instrument --trace --trace-lib benchmarks (scripts/bench-trace-lib.sh): the
 * same work as the trace-pc stub of ../shared/bench/build-baselines.sh, one store of the block's
 * (fn << 32 | bb) into a per-thread ring, with the ring in initial-exec TLS so that the library reads
 * it at a fixed offset from %fs, as the executable's stub does. */
#include <stddef.h>
#include <stdint.h>
#define RING (1u << 16)
static __thread uint64_t ring[RING] __attribute__((tls_model("initial-exec")));
static __thread unsigned pos __attribute__((tls_model("initial-exec")));
__attribute__((noinline)) void yk_trace_basicblock(size_t fn, size_t bb) {
  ring[pos++ & (RING - 1)] = (uint64_t)fn << 32 | bb;
}
