/*
 * The oracle of the embedded recorder's tests: a yk_trace_basicblock that logs every call, (fn + 1,
 * bb) as two u32, into a file per thread, tracelog.<serial> in the current directory (serial: the
 * order of the threads' first calls). Linked into a test program, whose instrumented copy then calls
 * it at every block. Raw system calls only, so that it calls no function ykrw would then leave
 * untraced, and a file mapped shared, so that nothing needs flushing however the process ends.
 */
#include <stddef.h>
#include <stdint.h>

static long logtracer_sys(long n, long a, long b, long c, long d, long e, long f) {
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return r;
}

#define LOG_BYTES (1L << 32)
static int logtracer_threads;
static __thread uint32_t *logtracer_cursor;

void yk_trace_basicblock(size_t fn, size_t bb) {
    if (!logtracer_cursor) {
        int serial = __atomic_fetch_add(&logtracer_threads, 1, __ATOMIC_RELAXED);
        char name[32];   /* filled by hand: an initializer may become a call of memcpy */
        const char *prefix = "tracelog.";
        int at = 0, digits = 1;
        while (prefix[at]) {
            name[at] = prefix[at];
            at++;
        }
        for (int v = serial; v >= 10; v /= 10) digits++;
        for (int i = digits - 1, v = serial; i >= 0; i--, v /= 10) name[at + i] = (char)('0' + v % 10);
        name[at + digits] = 0;
        long fd = logtracer_sys(2 /* open */, (long)name, 0102 | 01000 /* O_RDWR | O_CREAT | O_TRUNC */, 0600, 0, 0, 0);
        if (fd < 0 || logtracer_sys(77 /* ftruncate */, fd, LOG_BYTES, 0, 0, 0, 0) != 0) logtracer_sys(60 /* exit */, 97, 0, 0, 0, 0, 0);
        long map = logtracer_sys(9 /* mmap */, 0, LOG_BYTES, 3 /* read, write */, 1 /* shared */, fd, 0);
        if (map < 0) logtracer_sys(60, 98, 0, 0, 0, 0, 0);
        logtracer_sys(3 /* close */, fd, 0, 0, 0, 0, 0);
        logtracer_cursor = (uint32_t *)map;
    }
    /* one read-modify-write: a signal handler's blocks in between take the next slots, not these
       (the builtin adds bytes to a pointer, not elements) */
    uint32_t *slot = __atomic_fetch_add(&logtracer_cursor, 8, __ATOMIC_RELAXED);
    slot[0] = (uint32_t)fn + 1;
    slot[1] = (uint32_t)bb;
}
