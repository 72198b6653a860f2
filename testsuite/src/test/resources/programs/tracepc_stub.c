/* The callee of -fsanitize-coverage=trace-pc for StripRelocateTest: counts the calls and says how
 * many there were on stderr at exit, so a test sees that a stripped program makes none. Compiled
 * without the sanitizer flag (it must not call itself). */
#include <stdio.h>
static unsigned long calls;
void __sanitizer_cov_trace_pc(void) { calls++; }
__attribute__((destructor)) static void report(void) { fprintf(stderr, "trace-pc calls: %lu\n", calls); }
