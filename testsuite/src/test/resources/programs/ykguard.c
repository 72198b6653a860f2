/* The shape of current ykllvm output (NOTES section 1): every tracing call is guarded by a test of
 * the thread-local byte __yk_thread_tracing_state. strip must remove calls, arguments and guards. */
#include <stdint.h>
#include <stdio.h>
extern __thread char __yk_thread_tracing_state __attribute__((tls_model("initial-exec")));
__thread char __yk_thread_tracing_state = 1;
__attribute__((noinline)) void __yk_trace_basicblock_wrapper(uint32_t id) { printf("trace %u\n", id); }
#define T(id) do { if (__yk_thread_tracing_state) __yk_trace_basicblock_wrapper(id); } while (0)
__attribute__((noinline)) static int steps(long n) { T(1 << 16); int s = 0; while (n != 1) { T(1 << 16 | 1); n = n % 2 ? 3 * n + 1 : n / 2; s++; } T(1 << 16 | 2); return s; }
int main(void) { T(0); int best = 0; for (long i = 1; i < 1000; i++) { T(1); int s = steps(i); if (s > best) best = s; } T(2); printf("best %d\n", best); return 0; }
