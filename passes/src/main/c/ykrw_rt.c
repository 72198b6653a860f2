/*
 * The ykrw embedded runtime: code that `ykrw instrument` writes into the output binary beside the
 * relocated program. It has no libc (the program's libc may not be set up when it runs, and a
 * static binary has no loader to bind us to it): raw system calls only, no global constructors,
 * only rip-relative addressing (the build script refuses a blob that needs relocations), and no
 * vector registers (-mgeneral-regs-only), so the stubs below need to save general registers only.
 *
 * ykrw fills `ykrw_config` at rewrite time with link-time addresses; the difference between the
 * config's run-time address and its recorded link-time address is the load bias (PIE, static-pie).
 *
 * Run-file formats: docs/FORMATS.md. Every entry point called from instrumented code goes through
 * an assembly stub that preserves all registers and flags (the probes only save what they clobber
 * themselves: rdi/rsi and the red zone).
 */
#include <stddef.h>
#include <stdint.h>

/* ---- what ykrw writes at rewrite time (layout mirrored by org.ykrw.passes.runtime.RuntimeConfig) ---- */
struct ykrw_config {
    uint64_t self;         /* 0: link-time address of this struct */
    uint64_t entry;        /* 8: link-time address to continue at after start-up */
    uint64_t region;       /* 16: link-time address of the page-aligned run-file region (0: none) */
    uint64_t region_bytes; /* 24: bytes of that region that make up the run file */
    uint64_t sites;        /* 32: link-time address of the patch-site table: pairs (site, trampoline) */
    uint64_t site_count;   /* 40 */
    uint64_t code_start;   /* 48: link-time range of the instrumented code (made writable to patch) */
    uint64_t code_end;     /* 56 */
    uint64_t tracer;       /* 64: link-time address of the program's own tracing function, or 0; with
                              FLAG_TRACER_SLOT a slot ld.so fills with the run-time address of an
                              imported tracer (a GLOB_DAT relocation ykrw added) */
    uint64_t map_id;       /* 72 */
    uint32_t flags;        /* 80: see FLAG_* */
    uint32_t reserved;     /* 84 */
    char name[64];         /* 88: run-file name prefix (the input's file name) */
    uint64_t strict_table; /* 152: --strict: link-time address of the moved functions' old ranges
                              (struct strict_range, sorted by start, then their names), or 0 */
    uint64_t strict_count; /* 160: entries in that table */
};

enum {
    FLAG_RUN_FILE = 1,    /* region is a .ykcov image to map from a file */
    FLAG_TRACE_FILE = 2,  /* embedded trace recorder: ykrw-trace.<pid>.bin */
    FLAG_TOGGLE = 4,      /* sites are trace sleds, flipped by ykrw_trace_enable/disable */
    FLAG_ONCE = 8,        /* sites are coverage probes that turn themselves off */
    FLAG_TRACE_DEFAULT_ON = 16,
    FLAG_TRACER_GUARD = 32, /* the tracer may reach traced code: never re-enter it on one thread */
    FLAG_TRACER_SLOT = 64,  /* `tracer` holds a run-time address (imported): add no bias */
};

__attribute__((used, aligned(16))) struct ykrw_config ykrw_config = {0};

/* ---- system calls ---- */
static long sys3(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

static long sys6(long n, long a, long b, long c, long d, long e, long f) {
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return r;
}

#define SYS_WRITE 1
#define SYS_OPEN 2
#define SYS_CLOSE 3
#define SYS_MMAP 9
#define SYS_MPROTECT 10
#define SYS_GETPID 39
#define SYS_FTRUNCATE 77
#define SYS_READLINK 89
#define O_RDWR 2
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_CLOEXEC 02000000
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 1
#define MAP_FIXED 0x10
#define PAGE 4096UL

/* gcc may turn loops into calls to these even when freestanding */
void *memset(void *d, int c, size_t n) {
    unsigned char *p = d;
    while (n--) *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n) {
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--) *p++ = *q++;
    return d;
}

static size_t str_len(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/* Appends s to buf at *at, never past cap - 1; buf stays NUL-terminated. */
static void append(char *buf, size_t cap, size_t *at, const char *s) {
    while (*s && *at + 1 < cap) buf[(*at)++] = *s++;
    buf[*at] = 0;
}

static void append_number(char *buf, size_t cap, size_t *at, unsigned long v) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char out[24];
    for (int i = 0; i < n; i++) out[i] = digits[n - 1 - i];
    out[n] = 0;
    append(buf, cap, at, out);
}

static void say(const char *a, const char *b) {
    char line[512];
    size_t at = 0;
    append(line, sizeof line, &at, "ykrw runtime: ");
    append(line, sizeof line, &at, a);
    append(line, sizeof line, &at, b);
    append(line, sizeof line, &at, "\n");
    sys3(SYS_WRITE, 2, (long)line, (long)at);
}

/* Value of NAME in the initial environment, or 0. */
static const char *env(char **envp, const char *name) {
    size_t n = str_len(name);
    for (char **e = envp; *e; e++) {
        size_t i = 0;
        while (i < n && (*e)[i] == name[i]) i++;
        if (i == n && (*e)[n] == '=') return *e + n + 1;
    }
    return 0;
}

static unsigned long parse_number(const char *s, unsigned long fallback) {
    if (!s || !*s) return fallback;
    unsigned long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return fallback;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    return v;
}

static long bias(void) {
    return (long)((uint64_t)&ykrw_config - ykrw_config.self);
}

static void *runtime_address(uint64_t link_time) {
    return (void *)(link_time + (uint64_t)bias());
}

/* Builds DIR/NAME.PID.SUFFIX in path. */
static void run_file_path(char *path, size_t cap, const char *dir, long pid, const char *suffix) {
    size_t at = 0;
    path[0] = 0;
    append(path, cap, &at, dir && *dir ? dir : ".");
    append(path, cap, &at, "/");
    append(path, cap, &at, ykrw_config.name);
    append(path, cap, &at, ".");
    append_number(path, cap, &at, (unsigned long)pid);
    append(path, cap, &at, suffix);
}

static unsigned long parse_hex(const char **s) {
    unsigned long v = 0;
    for (;; (*s)++) {
        char c = **s;
        if (c >= '0' && c <= '9') v = v * 16 + (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f') v = v * 16 + (unsigned long)(c - 'a' + 10);
        else return v;
    }
}

/*
 * The path of the file mapped at address (a shared library finding itself: /proc/self/exe names
 * the program), from /proc/self/maps: "start-end perms offset dev inode   path". Returns its
 * length, 0 when not found.
 */
static long mapped_file_path(uint64_t address, char *out, size_t cap) {
    long fd = sys3(SYS_OPEN, (long)"/proc/self/maps", O_CLOEXEC, 0);
    if (fd < 0) return 0;
    char buf[4096], line[1024];
    size_t used = 0;
    long found = 0;
    for (;;) {
        long n = sys3(0 /* read */, fd, (long)buf, sizeof buf);
        if (n <= 0) break;
        for (long i = 0; i < n && !found; i++) {
            if (buf[i] != '\n') {
                if (used + 1 < sizeof line) line[used++] = buf[i];
                continue;
            }
            line[used] = 0;
            used = 0;
            const char *p = line;
            unsigned long lo = parse_hex(&p);
            if (*p++ != '-') continue;
            unsigned long hi = parse_hex(&p);
            if (address < lo || address >= hi) continue;
            for (int field = 0; field < 4; field++) {   /* perms, offset, dev, inode */
                while (*p == ' ') p++;
                while (*p && *p != ' ') p++;
            }
            while (*p == ' ') p++;
            size_t at = 0;
            out[0] = 0;
            append(out, cap, &at, p);
            found = (long)at;
        }
        if (found) break;
    }
    sys3(SYS_CLOSE, fd, 0, 0);
    return found;
}

static int in_library;

/* ---- coverage and count runs: the counter region becomes a shared mapping of the run file ---- */
static const char *coverage_dir, *trace_dir;

/*
 * Maps the run file over the counter region. fresh: a child after fork, whose file starts from zero
 * counters (its parent's counts stay in the parent's file): the header goes out, the file is sized,
 * and the mapping replaces the region (the parent's shared mapping included) in this process only.
 */
static void start_run_file(long pid, int fresh) {
    unsigned char *region = runtime_address(ykrw_config.region);
    uint64_t bytes = ykrw_config.region_bytes;
    /* The header is built aside: in a child the region is still the parent's shared file. */
    unsigned char header[512];
    memcpy(header, region, sizeof header);
    *(uint64_t *)(header + 24) = (uint64_t)bias();
    *(uint32_t *)(header + 40) = (uint32_t)pid;
    /* The instrumented file, which reports find the block map in: the library itself in a library. */
    long n = in_library ? mapped_file_path((uint64_t)&ykrw_config, (char *)(header + 64), 448)
                        : sys3(SYS_READLINK, (long)"/proc/self/exe", (long)(header + 64), 447);
    header[64 + (n > 0 ? n : 0)] = 0;
    if (!fresh) memcpy(region, header, sizeof header);

    char path[1024];
    run_file_path(path, sizeof path, coverage_dir, pid, ".ykcov");
    long fd = sys3(SYS_OPEN, (long)path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        say("cannot create ", path);
        return;
    }
    /*
     * The file takes what the counters hold now (constructors may have run), then replaces them; a
     * child's file takes the header and zeros (a sparse file of the right size).
     */
    const unsigned char *from = fresh ? header : region;
    uint64_t keep = fresh ? sizeof header : bytes;
    if (fresh && sys3(SYS_FTRUNCATE, fd, (long)bytes, 0) != 0) {
        say("cannot size ", path);
        sys3(SYS_CLOSE, fd, 0, 0);
        return;
    }
    for (uint64_t done = 0; done < keep;) {
        long w = sys3(SYS_WRITE, fd, (long)(from + done), (long)(keep - done));
        if (w <= 0) {
            say("cannot write ", path);
            sys3(SYS_CLOSE, fd, 0, 0);
            return;
        }
        done += (uint64_t)w;
    }
    uint64_t mapped = (bytes + PAGE - 1) & ~(PAGE - 1);
    long at = sys6(SYS_MMAP, (long)region, (long)mapped, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
    if (at != (long)region) say("cannot map ", path);
    sys3(SYS_CLOSE, fd, 0, 0);
}

/* ---- trace runs ---- */
struct trace_header {
    char magic[8];
    uint32_t header_size, record_size;
    uint64_t reserved, capacity, map_id, load_bias;
    uint32_t pid;
    uint32_t pad[3];
};

/*
 * The records are written by the probes themselves (inline: an atomic add on `reserved`, then a
 * store); the run-file region ykrw placed in the binary is the run, mapped shared from
 * ykrw-trace.<pid>.bin here. Capacity is fixed at rewrite time (instrument --trace-capacity).
 */
static void start_trace_file(long pid, int fresh) {
    unsigned char *region = runtime_address(ykrw_config.region);
    uint64_t bytes = ykrw_config.region_bytes;
    struct trace_header *h = (struct trace_header *)region;
    struct trace_header copy = *h; /* a child must not touch its parent's shared header */
    copy.load_bias = (uint64_t)bias();
    copy.pid = (uint32_t)pid;
    if (fresh) copy.reserved = 0;
    else *h = copy;
    char path[1024];
    size_t at = 0;
    const char *dir = trace_dir;
    append(path, sizeof path, &at, dir && *dir ? dir : ".");
    append(path, sizeof path, &at, "/ykrw-trace.");
    append_number(path, sizeof path, &at, (unsigned long)pid);
    append(path, sizeof path, &at, ".bin");
    long fd = sys3(SYS_OPEN, (long)path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        say("cannot create ", path);
        return;
    }
    /* The header (with whatever count blocks before start-up reserved), then a sparse file. */
    long mapped = -1;
    if (sys3(SYS_WRITE, fd, (long)&copy, sizeof(struct trace_header)) == (long)sizeof(struct trace_header)
        && sys3(SYS_FTRUNCATE, fd, (long)bytes, 0) == 0) {
        uint64_t size = (bytes + PAGE - 1) & ~(PAGE - 1);
        mapped = sys6(SYS_MMAP, (long)region, (long)size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
    }
    if (mapped != (long)region) say("cannot map ", path);
    sys3(SYS_CLOSE, fd, 0, 0);
}

/* ---- patch sites: toggled trace sleds and self-removing coverage probes ---- */
static volatile int patch_lock;

static void lock_patching(void) {
    while (__atomic_exchange_n(&patch_lock, 1, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
}

static void unlock_patching(void) {
    __atomic_store_n(&patch_lock, 0, __ATOMIC_RELEASE);
}

static int make_writable(uint64_t from, uint64_t to, int writable) {
    uint64_t start = from & ~(PAGE - 1);
    uint64_t end = (to + PAGE - 1) & ~(PAGE - 1);
    return sys3(SYS_MPROTECT, (long)start, (long)(end - start), PROT_READ | PROT_EXEC | (writable ? PROT_WRITE : 0)) == 0;
}

/*
 * Writes the 5 bytes at site with one aligned 8-byte store: ykrw places every site so that it
 * does not cross an 8-byte boundary, so a thread running the code sees the old or the new
 * instruction, never half of each (NOTES section 2).
 */
static void write_site(uint64_t site, const unsigned char *bytes) {
    uint64_t *word = (uint64_t *)(site & ~7UL);
    unsigned shift = (unsigned)(site & 7) * 8;
    uint64_t v = *word;
    for (int i = 0; i < 5; i++) {
        v &= ~(0xFFUL << (shift + 8 * i));
        v |= (uint64_t)bytes[i] << (shift + 8 * i);
    }
    __atomic_store_n(word, v, __ATOMIC_RELEASE);
}

static const unsigned char NOP5[5] = {0x0F, 0x1F, 0x44, 0x00, 0x00};

static void site_bytes(uint64_t site, uint64_t target, int on, unsigned char *out) {
    if (!on) {
        memcpy(out, NOP5, 5);
        return;
    }
    int32_t rel = (int32_t)(target - (site + 5));
    out[0] = 0xE9;
    memcpy(out + 1, &rel, 4);
}

static int trace_state = -1;

/* Flips every trace sled: one lock, one mprotect each way for the whole code range. */
static void set_all_sites(int on) {
    if (!ykrw_config.site_count) return;
    lock_patching();
    if (trace_state != on) {
        uint64_t *pairs = runtime_address(ykrw_config.sites);
        uint64_t lo = (uint64_t)runtime_address(ykrw_config.code_start);
        uint64_t hi = (uint64_t)runtime_address(ykrw_config.code_end);
        if (make_writable(lo, hi, 1)) {
            for (uint64_t i = 0; i < ykrw_config.site_count; i++) {
                uint64_t site = (uint64_t)runtime_address(pairs[2 * i]);
                unsigned char b[5];
                site_bytes(site, (uint64_t)runtime_address(pairs[2 * i + 1]), on, b);
                write_site(site, b);
            }
            make_writable(lo, hi, 0);
            trace_state = on;
        } else {
            say("cannot make the code writable to flip tracing", "");
        }
    }
    unlock_patching();
}

/*
 * Flipping from outside: with YKRW_TRACE_FLIP_SIGNAL=N the runtime handles signal N by flipping
 * tracing (kill -N PID, or raise(N) in the program). A handler cannot wait for the patch lock (the
 * thread it interrupted may hold it), so a flip that finds the lock taken is dropped.
 */
static void flip_on_signal(int sig) {
    (void)sig;
    if (__atomic_exchange_n(&patch_lock, 1, __ATOMIC_ACQUIRE)) return;
    unlock_patching();
    set_all_sites(trace_state != 1);
}

extern void ykrw_sigreturn(void);

struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

static void install_flip_signal(long sig) {
    struct kernel_sigaction sa = {flip_on_signal, 0x04000000UL /* SA_RESTORER */ | 0x10000000UL /* SA_RESTART */,
                                  ykrw_sigreturn, 0};
    if (sig <= 0 || sig >= 65 || sys6(13 /* rt_sigaction */, sig, (long)&sa, 0, 8, 0, 0) != 0)
        say("cannot handle the signal named by YKRW_TRACE_FLIP_SIGNAL", "");
}

__attribute__((used)) void ykrw_trace_enable(void) {
    set_all_sites(1);
}

__attribute__((used)) void ykrw_trace_disable(void) {
    set_all_sites(0);
}

/* --once: the first hit of probe k marks it and turns its site into a NOP. */
/*
 * Turns an enabled once-site (jmp rel32) into a 5-byte NOP in three steps, each safe for a thread
 * running it meanwhile: a 2-byte store of `jmp +3` (the site then skips its own tail), the tail of
 * the NOP, then a 2-byte store of the NOP's first two bytes. ykrw places these sites so their first
 * two bytes share an 8-byte word, which makes each 2-byte store atomic.
 */
static void turn_off_once(uint64_t site) {
    volatile uint16_t *head = (volatile uint16_t *)site;
    __atomic_store_n(head, (uint16_t)(0xEB | 0x03 << 8), __ATOMIC_RELEASE);
    volatile unsigned char *tail = (volatile unsigned char *)site;
    tail[2] = NOP5[2];
    tail[3] = NOP5[3];
    tail[4] = NOP5[4];
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(head, (uint16_t)(NOP5[0] | NOP5[1] << 8), __ATOMIC_RELEASE);
}

/*
 * The instrumented code is made writable once, at the first hit, and stays so: an mprotect pair
 * per block (a system call and a TLB shootdown each, for every block a run reaches) cost sqlite3 a
 * tenth of its run time. The price is writable code for the rest of a coverage run.
 */
static int once_code_writable;

__attribute__((used)) void ykrw_once_hit(uint64_t k) {
    unsigned char *counters = runtime_address(ykrw_config.region);
    counters[512 + k] = 1;
    uint64_t *pairs = runtime_address(ykrw_config.sites);
    uint64_t site = (uint64_t)runtime_address(pairs[2 * k]);
    lock_patching();
    if (!once_code_writable) {
        once_code_writable = make_writable((uint64_t)runtime_address(ykrw_config.code_start),
                                           (uint64_t)runtime_address(ykrw_config.code_end), 1);
    }
    if (once_code_writable) turn_off_once(site);
    unlock_patching();
}

/*
 * Re-entry guard of the program's tracing function. When the tracer reaches instrumented code (a
 * static binary's printf reaches its stream functions through pointers ykrw cannot follow), that
 * code's probes must not call the tracer again on the same thread. A thread is told apart by its fs
 * base (read with rdfsbase where the kernel allows it, AT_HWCAP2 bit 1); without it every thread
 * shares tag 1 and the guard becomes global: blocks other threads run meanwhile go untraced.
 */
#define GUARD_SLOTS 64
static uint64_t guard_slots[GUARD_SLOTS];
static int have_fsgsbase;

static uint64_t thread_tag(void) {
    uint64_t base = 0;
    if (have_fsgsbase) __asm__ volatile("rdfsbase %0" : "=r"(base));
    return base | 1;
}

/*
 * The program's tracer is C code of the program: it may need thread-local storage (the stack
 * protector reads %fs:0x28), which a static binary sets up only after its first blocks ran. Until
 * the fs base is set, blocks go untraced; after that it stays set on every thread.
 */
static int tls_ready;
/* Set once start-up ran: a shared library's code may run before its DT_INIT (IFUNC resolvers,
 * other objects' constructors), when ykrw_tracer_bias is not set yet. */
static int started;

__attribute__((used)) int ykrw_tracer_enter(void) {
    if (!started) return 0;
    if (!tls_ready) {
        uint64_t fs = 0;
        sys3(158 /* arch_prctl */, 0x1003 /* ARCH_GET_FS */, (long)&fs, 0);
        if (!fs) return 0;
        tls_ready = 1;
    }
    if (!(ykrw_config.flags & FLAG_TRACER_GUARD)) return 1;
    uint64_t tag = thread_tag();
    for (int i = 0; i < GUARD_SLOTS; i++)
        if (__atomic_load_n(&guard_slots[i], __ATOMIC_ACQUIRE) == tag) return 0;
    for (int i = 0; i < GUARD_SLOTS; i++) {
        uint64_t free_slot = 0;
        if (__atomic_compare_exchange_n(&guard_slots[i], &free_slot, tag, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) return 1;
    }
    return 0; /* more threads inside the tracer than slots: skip this block rather than risk recursion */
}

__attribute__((used)) void ykrw_tracer_leave(void) {
    if (!(ykrw_config.flags & FLAG_TRACER_GUARD)) return;
    uint64_t tag = thread_tag();
    for (int i = 0; i < GUARD_SLOTS; i++)
        if (guard_slots[i] == tag) {
            __atomic_store_n(&guard_slots[i], 0, __ATOMIC_RELEASE);
            return;
        }
}

/* Set at start-up so the tracer stub adds the bias with one instruction. */
__attribute__((used)) long ykrw_tracer_bias;

/*
 * Children made by fork get run files of their own. The output imports pthread_atfork (weakly, from
 * libc) into this slot when the program is dynamically linked; ld.so fills it. A static program has
 * no such hook: its children keep adding to the parent's files.
 */
__attribute__((used)) uint64_t ykrw_atfork;

static void after_fork_in_child(void) {
    long pid = sys3(SYS_GETPID, 0, 0, 0);
    if (ykrw_config.flags & FLAG_RUN_FILE) start_run_file(pid, 1);
    if (ykrw_config.flags & FLAG_TRACE_FILE) start_trace_file(pid, 1);
}

/*
 * ---- strict mode ----
 * `--strict` fills the old code of moved functions with int3, so a control transfer the analysis
 * missed traps there. The SIGTRAP handler names the old address and the function (from a table ykrw
 * writes: the old range of every moved function), in one line on stderr, and the process then dies of
 * SIGTRAP as it would without the handler. Traps elsewhere go to whatever handled SIGTRAP before.
 */
struct strict_range {
    uint64_t start;    /* link-time address of the function's old entry */
    uint32_t size;     /* bytes of its old range */
    uint32_t name;     /* offset of its NUL-terminated name from the table, or 0xFFFFFFFF: none */
};

struct kernel_sigaction_info {
    void (*handler)(int, void *, void *);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

static struct kernel_sigaction_info strict_previous;

static void append_hex(char *buf, size_t cap, size_t *at, uint64_t v, int prefixed) {
    char out[19];
    int n = 0;
    if (prefixed) {
        out[n++] = '0';
        out[n++] = 'x';
    }
    int shift = 60;
    while (shift > 0 && ((v >> shift) & 15) == 0) shift -= 4;
    for (; shift >= 0; shift -= 4) out[n++] = "0123456789abcdef"[(v >> shift) & 15];
    out[n] = 0;
    append(buf, cap, at, out);
}

/* The table entry whose old range holds the link-time address, or 0. */
static const struct strict_range *strict_range_of(uint64_t address) {
    const struct strict_range *t = runtime_address(ykrw_config.strict_table);
    uint64_t lo = 0, hi = ykrw_config.strict_count;
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (t[mid].start <= address) lo = mid + 1;
        else hi = mid;
    }
    if (lo > 0 && address - t[lo - 1].start < t[lo - 1].size) return &t[lo - 1];
    /* ranges may nest (a function without an FDE spans the code it jumps around): the innermost that holds it */
    for (uint64_t i = lo; i-- > 0;)
        if (address - t[i].start < t[i].size) return &t[i];
    return 0;
}

static void strict_on_trap(int sig, void *info, void *context) {
    /* the interrupted rip: uc_mcontext.gregs[REG_RIP] of the ucontext, at offset 40 + 16 * 8 */
    uint64_t rip = *(uint64_t *)((char *)context + 168);
    uint64_t old = rip - 1 - (uint64_t)bias();  /* int3 leaves rip after itself */
    const struct strict_range *r = strict_range_of(old);
    if (r) {
        char line[512];
        size_t at = 0;
        append(line, sizeof line, &at, "ykrw runtime: strict: old code ran at ");
        append_hex(line, sizeof line, &at, old, 1);
        append(line, sizeof line, &at, " in ");
        if (r->name != 0xFFFFFFFFu) {
            append(line, sizeof line, &at, (const char *)runtime_address(ykrw_config.strict_table) + r->name);
        } else {
            append(line, sizeof line, &at, "fn_");
            append_hex(line, sizeof line, &at, r->start, 0);  /* ykrw's name for it */
        }
        append(line, sizeof line, &at, "+");
        append_hex(line, sizeof line, &at, old - r->start, 1);
        append(line, sizeof line, &at, " (link-time addresses): a control transfer the analysis missed\n");
        sys3(SYS_WRITE, 2, (long)line, (long)at);
        strict_previous.handler = 0;  /* SIG_DFL: die of SIGTRAP, with a core dump where enabled */
        strict_previous.flags = 0x04000000UL;
    }
    /* Re-raised once this handler returns, to the previous disposition (SIGTRAP is blocked until then). */
    sys6(13 /* rt_sigaction */, sig, (long)&strict_previous, 0, 8, 0, 0);
    long pid = sys3(SYS_GETPID, 0, 0, 0);
    sys3(234 /* tgkill */, pid, sys3(186 /* gettid */, 0, 0, 0), sig);
    (void)info;
}

static void strict_start(void) {
    struct kernel_sigaction_info sa = {strict_on_trap,
                                       0x04000000UL /* SA_RESTORER */ | 4UL /* SA_SIGINFO */, ykrw_sigreturn, 0};
    if (sys6(13 /* rt_sigaction */, 5 /* SIGTRAP */, (long)&sa, (long)&strict_previous, 8, 0, 0) != 0)
        say("strict: cannot handle SIGTRAP; old code that runs will trap without a word", "");
}

/* ---- start-up ---- */
static void start(char **envp, uint64_t *auxv) {
    for (uint64_t *aux = auxv; aux && aux[0]; aux += 2)
        if (aux[0] == 26 /* AT_HWCAP2 */ && (aux[1] & 2) /* HWCAP2_FSGSBASE */) have_fsgsbase = 1;
    long pid = sys3(SYS_GETPID, 0, 0, 0);
    uint32_t flags = ykrw_config.flags;
    ykrw_tracer_bias = (flags & FLAG_TRACER_SLOT) ? 0 : bias();
    coverage_dir = env(envp, "YKRW_COVERAGE_DIR");
    trace_dir = env(envp, "YKRW_TRACE_DIR");
    if (flags & FLAG_RUN_FILE) start_run_file(pid, 0);
    if (flags & FLAG_TRACE_FILE) start_trace_file(pid, 0);
    if (ykrw_atfork && (flags & (FLAG_RUN_FILE | FLAG_TRACE_FILE))) {
        typedef int (*atfork_fn)(void (*)(void), void (*)(void), void (*)(void));
        ((atfork_fn)ykrw_atfork)(0, 0, after_fork_in_child);
    }
    if (flags & FLAG_TOGGLE) {
        const char *want = env(envp, "YKRW_TRACE");
        int on = want ? want[0] == '1' : (flags & FLAG_TRACE_DEFAULT_ON) != 0;
        if (on) set_all_sites(1);
        else trace_state = 0;
        const char *flip = env(envp, "YKRW_TRACE_FLIP_SIGNAL");
        if (flip) install_flip_signal((long)parse_number(flip, 0));
    }
    if (ykrw_config.strict_count) strict_start();
    __atomic_store_n(&started, 1, __ATOMIC_RELEASE);
}

/* An executable's start-up, from its entry point: argc, argv, envp and auxv are on the initial stack. */
__attribute__((used)) uint64_t ykrw_rt_init(uint64_t *initial_stack) {
    uint64_t argc = initial_stack[0];
    char **envp = (char **)(initial_stack + argc + 2);
    char **e = envp;
    while (*e) e++;
    start(envp, (uint64_t *)(e + 1));
    return (uint64_t)runtime_address(ykrw_config.entry);
}

/*
 * A shared library's start-up, from DT_INIT: glibc's ld.so calls DT_INIT (before DT_INIT_ARRAY)
 * with (argc, argv, environ), for libraries loaded at start and by dlopen alike. environ may have
 * been rebuilt by setenv before a dlopen, so auxv is read from /proc/self/auxv, not after envp.
 * Returns the old DT_INIT to continue at, or 0.
 */
__attribute__((used)) uint64_t ykrw_rt_library_init(char **envp) {
    static uint64_t auxv[128];
    long fd = sys3(SYS_OPEN, (long)"/proc/self/auxv", O_CLOEXEC, 0);
    if (fd >= 0) {
        long n = sys3(0 /* read */, fd, (long)auxv, sizeof auxv - 16);
        sys3(SYS_CLOSE, fd, 0, 0);
        if (n < 0) n = 0;
        auxv[n / 8] = 0;
    }
    static char *no_env[1];
    in_library = 1;
    start(envp ? envp : no_env, auxv);
    return ykrw_config.entry ? (uint64_t)runtime_address(ykrw_config.entry) : 0;
}

/*
 * The stubs. ykrw_rt_entry becomes the program's entry point: the kernel (or ld.so) left argc at
 * [rsp] and the dynamic linker's termination function in rdx, which must reach the real entry.
 * The *_stub entries are what probes call; they keep every general register and the flags.
 */
__asm__(
    ".text\n"
    "ykrw_sigreturn:\n"
    "  mov $15, %eax\n"
    "  syscall\n"
    ".globl ykrw_rt_entry\n"
    "ykrw_rt_entry:\n"
    "  mov %rsp, %rdi\n"
    "  push %rdx\n"
    "  sub $8, %rsp\n"
    "  call ykrw_rt_init\n"
    "  add $8, %rsp\n"
    "  pop %rdx\n"
    "  jmp *%rax\n"

    /* DT_INIT of an instrumented shared library: edi = argc, rsi = argv, rdx = envp, which the old
       DT_INIT receives too. Entered with rsp = 8 mod 16; three pushes align it for the call. */
    ".globl ykrw_rt_library_entry\n"
    "ykrw_rt_library_entry:\n"
    "  push %rdi\n push %rsi\n push %rdx\n"
    "  mov %rdx, %rdi\n"
    "  call ykrw_rt_library_init\n"
    "  pop %rdx\n pop %rsi\n pop %rdi\n"
    "  test %rax, %rax\n"
    "  jz 2f\n"
    "  jmp *%rax\n"
    "2:\n"
    "  ret\n"

    /* Saves what a C function of this runtime may clobber, aligns the stack, calls %rax's target. */
    "ykrw_save_and_call:\n"
    "  pushfq\n"
    "  push %rcx\n push %rdx\n push %rsi\n push %rdi\n push %r8\n push %r9\n push %r10\n push %r11\n"
    "  push %rbp\n"
    "  mov %rsp, %rbp\n"
    "  and $-16, %rsp\n"
    "  call *%rax\n"
    "  mov %rbp, %rsp\n"
    "  pop %rbp\n"
    "  pop %r11\n pop %r10\n pop %r9\n pop %r8\n pop %rdi\n pop %rsi\n pop %rdx\n pop %rcx\n"
    "  popfq\n"
    "  ret\n"

    /* edi = probe index */
    ".globl ykrw_once_stub\n"
    "ykrw_once_stub:\n"
    "  push %rax\n"
    "  lea ykrw_once_hit(%rip), %rax\n"
    "  call ykrw_save_and_call\n"
    "  pop %rax\n"
    "  ret\n"

    /*
     * Calls the program's own tracing function (it may use any register, vector ones included, as
     * the ABI allows): every caller-saved general register, the flags and the whole extended state
     * (xsave with every component, header zeroed first as xrstor requires) are kept.
     */
    ".globl ykrw_tracer_stub\n"
    "ykrw_tracer_stub:\n"
    "  pushfq\n"
    "  push %rax\n push %rcx\n push %rdx\n push %rsi\n push %rdi\n push %r8\n push %r9\n push %r10\n push %r11\n"
    "  push %rbp\n"
    "  mov %rsp, %rbp\n"
    "  sub $4096, %rsp\n"
    "  and $-64, %rsp\n"
    "  xor %eax, %eax\n"
    "  mov %rax, 512(%rsp)\n mov %rax, 520(%rsp)\n mov %rax, 528(%rsp)\n mov %rax, 536(%rsp)\n"
    "  mov %rax, 544(%rsp)\n mov %rax, 552(%rsp)\n mov %rax, 560(%rsp)\n mov %rax, 568(%rsp)\n"
    "  mov $-1, %eax\n mov $-1, %edx\n"
    "  xsave (%rsp)\n"
    "  call ykrw_tracer_enter\n"
    "  test %eax, %eax\n"
    "  jz 1f\n"
    "  mov 40(%rbp), %rdi\n mov 48(%rbp), %rsi\n" /* the arguments, as the probe set them */
    "  mov ykrw_config+64(%rip), %rax\n"
    "  add ykrw_tracer_bias(%rip), %rax\n"
    "  call *%rax\n"
    "  call ykrw_tracer_leave\n"
    "1:\n"
    "  mov $-1, %eax\n mov $-1, %edx\n"
    "  xrstor (%rsp)\n"
    "  mov %rbp, %rsp\n"
    "  pop %rbp\n"
    "  pop %r11\n pop %r10\n pop %r9\n pop %r8\n pop %rdi\n pop %rsi\n pop %rdx\n pop %rcx\n pop %rax\n"
    "  popfq\n"
    "  ret\n");
