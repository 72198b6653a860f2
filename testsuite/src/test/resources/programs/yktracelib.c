/* A tracing library in yk's current ABI (NOTES section 1), for instrument --abi yk --trace-lib: the
 * initial-exec thread-local byte __yk_thread_tracing_state, a preserve-all wrapper that only counts
 * its calls (it touches no register), and functions to set the calling thread's byte and read the count. */
__thread char __yk_thread_tracing_state __attribute__((tls_model("initial-exec")));
__attribute__((visibility("hidden"))) unsigned long yk_calls;
__asm__(".globl __yk_trace_basicblock_wrapper\n.type __yk_trace_basicblock_wrapper,@function\n"
        "__yk_trace_basicblock_wrapper:\n  lock incq yk_calls(%rip)\n  ret\n");
void yk_on(void) { __yk_thread_tracing_state = 1; }
void yk_off(void) { __yk_thread_tracing_state = 0; }
unsigned long yk_count(void) { return yk_calls; }
