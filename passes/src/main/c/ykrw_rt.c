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
 * Run-file formats: docs/FORMATS.md; where and how run files are created: docs/RUNTIME.md. Every
 * entry point called from instrumented code goes through an assembly stub that preserves all
 * registers and flags (the probes only save what they clobber themselves: rdi/rsi and the red zone).
 */
#include <stddef.h>
#include <stdint.h>

/* ---- what ykrw writes at rewrite time (layout mirrored by org.ykrw.passes.runtime.RuntimeConfig) ---- */
struct ykrw_config {
    uint64_t self;         /* 0: link-time address of this struct */
    uint64_t entry;        /* 8: link-time address to continue at after start-up */
    uint64_t region;       /* 16: link-time address of the page-aligned counter region, a .ykcov run file (0: none) */
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
    uint32_t run_mode;     /* 152: permission bits run files are created with (0: 0600), umask applied */
    uint32_t reserved2;    /* 156 */
    char run_dir[512];     /* 160: instrument --run-dir, absolute, or empty: where run files go by default,
                              and the only place they go in a secure (setuid, setgid, capabilities) process */
    uint64_t strict_table; /* 672: --strict: link-time address of the moved functions' old ranges
                              (struct strict_range, sorted by start, then their names), or 0 */
    uint64_t strict_count; /* 680: entries in that table */
    int64_t tls_offset;    /* 688: with FLAG_THREAD_STATE: %fs offset of the thread's tracing byte */
    uint64_t thread_pointer; /* 696: link-time end of the thread-local template ykrw wrote (0: none); also
                              the early thread pointer of a static executable (docs/RUNTIME.md) */
    uint64_t trace_region; /* 704: link-time address of the page-aligned region of the embedded trace recorder,
                              the header and successor table of ykrw-trace run files (0: none); apart from
                              `region`, so that coverage and tracing combine, each with its own file */
};

enum {
    FLAG_RUN_FILE = 1,    /* region is a .ykcov image to map from a file */
    FLAG_TRACE_FILE = 2,  /* embedded trace recorder: ykrw-trace.<pid>.bin */
    FLAG_TOGGLE = 4,      /* sites are trace sleds, flipped by ykrw_trace_enable/disable */
    FLAG_ONCE = 8,        /* sites are coverage probes that turn themselves off */
    FLAG_TRACE_DEFAULT_ON = 16,
    FLAG_TRACER_GUARD = 32, /* the tracer may reach traced code: never re-enter it on one thread */
    FLAG_TRACER_SLOT = 64,  /* `tracer` holds a run-time address (imported): add no bias */
    FLAG_THREAD_STATE = 128, /* probes test a per-thread tracing byte at %fs:tls_offset (--abi yk) */
    FLAG_YK_IMPORTED = 256,  /* --abi yk --trace-lib: tracer slot = the library's wrapper, tls_offset its byte's
                                offset (both written by ld.so) */
};

__attribute__((used, aligned(16))) struct ykrw_config ykrw_config = {0};
/* RuntimeConfig.java writes these offsets: a field moved here without moving it there breaks every output. */
_Static_assert(__builtin_offsetof(struct ykrw_config, run_dir) == 160, "ykrw_config layout");
_Static_assert(__builtin_offsetof(struct ykrw_config, strict_count) == 680, "ykrw_config layout");
_Static_assert(__builtin_offsetof(struct ykrw_config, thread_pointer) == 696, "ykrw_config layout");
_Static_assert(__builtin_offsetof(struct ykrw_config, trace_region) == 704, "ykrw_config layout");

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
#define SYS_MUNMAP 11
#define SYS_MEMFD_CREATE 319
#define MFD_CLOEXEC 1
#define MAP_PRIVATE 2
#define SYS_GETUID 102
#define SYS_GETGID 104
#define SYS_GETEUID 107
#define SYS_GETEGID 108
#define SYS_FALLOCATE 285
#define O_RDWR 2
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define EEXIST 17
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

/* Appends s to buf at *at, never past cap - 1; buf stays NUL-terminated. Returns 0 when s was cut. */
static int append(char *buf, size_t cap, size_t *at, const char *s) {
    while (*s && *at + 1 < cap) buf[(*at)++] = *s++;
    buf[*at] = 0;
    return *s == 0;
}

static int append_number(char *buf, size_t cap, size_t *at, unsigned long v) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char out[24];
    for (int i = 0; i < n; i++) out[i] = digits[n - 1 - i];
    out[n] = 0;
    return append(buf, cap, at, out);
}

/* One line on stderr, ended by its newline however long the parts (a path may fill a buffer). */
static void say3(const char *a, const char *b, const char *c) {
    char line[1400];
    size_t at = 0;
    append(line, sizeof line - 1, &at, "ykrw runtime: ");
    append(line, sizeof line - 1, &at, a);
    append(line, sizeof line - 1, &at, b);
    append(line, sizeof line - 1, &at, c);
    line[at++] = '\n';
    sys3(SYS_WRITE, 2, (long)line, (long)at);
}

static void say(const char *a, const char *b) {
    say3(a, b, "");
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

/* Whether word equals lower, ignoring the case of ASCII letters in word. */
static int same_word(const char *word, const char *lower) {
    for (; *word && *lower; word++, lower++) {
        char c = *word >= 'A' && *word <= 'Z' ? (char)(*word - 'A' + 'a') : *word;
        if (c != *lower) return 0;
    }
    return *word == *lower;
}

/*
 * An on/off variable: 1 for on, 1 and true; 0 for off, 0 and false (any case); -1 when unset or empty.
 * Anything else is said on stderr (once: the runtime reads each variable once) and counts as unset,
 * so a typo never flips a state silently.
 */
static int env_switch(char **envp, const char *name, const char *unset_means) {
    const char *v = env(envp, name);
    if (!v || !*v) return -1;
    if (same_word(v, "1") || same_word(v, "on") || same_word(v, "true")) return 1;
    if (same_word(v, "0") || same_word(v, "off") || same_word(v, "false")) return 0;
    char line[200];
    size_t at = 0;
    append(line, sizeof line, &at, "=");
    append(line, sizeof line, &at, v);
    say3(name, line, unset_means);
    return -1;
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

/*
 * ---- where run files go, and whom the runtime listens to (docs/RUNTIME.md) ----
 * A secure process (AT_SECURE: setuid, setgid, file capabilities) runs with privileges its caller
 * does not have, in an environment and a current directory its caller chose: there the runtime reads
 * no YKRW_* variable at all (glibc drops LD_* there for the same reason, gcov its GCOV_PREFIX) and
 * writes run files only into the directory `instrument --run-dir` recorded at build time.
 */
/* ---- thread-local storage (docs/RUNTIME.md) ---- */
/* The thread pointer of the early thread block ykrw wrote past the thread-local template, or 0. */
static void *early_thread_pointer(void) {
    return ykrw_config.thread_pointer ? runtime_address(ykrw_config.thread_pointer) : 0;
}

/*
 * A static executable starts with %fs base 0 and its libc sets up TLS only later, so probes in the
 * code before that (libc's start-up, IFUNC resolvers) would read %fs:offset near address 0. The runtime
 * points %fs at the early block first: the template's own memory, whose runtime bytes the probes then
 * read; glibc's TLS set-up replaces it (arch_prctl ARCH_SET_FS) before any code of the program's runs.
 * The block starts like glibc's tcbhead_t (tcb and self point at it).
 */
static void set_early_thread_pointer(void) {
    uint64_t *tp = early_thread_pointer();
    if (!tp) return;
    uint64_t fs = 0;
    sys3(158 /* arch_prctl */, 0x1003 /* ARCH_GET_FS */, (long)&fs, 0);
    /*
     * The template ykrw wrote is a copy of the program's: its pointers (RELATIVE relocations, listed
     * after the early TCB) need the load bias, which the program's relocations add to the old copy
     * only. The main thread's block, when ld.so made it already, came from the unrelocated template.
     */
    const uint64_t *table = tp + 8;
    long b = bias();
    for (uint64_t i = 0; b && i < table[0]; i++) {
        uint64_t link = table[1 + i];
        *(uint64_t *)runtime_address(link) += b;
        if (fs) *(uint64_t *)(fs + (link - ykrw_config.thread_pointer)) += b;
    }
    if (fs) return;
    tp[0] = (uint64_t)tp;
    tp[2] = (uint64_t)tp;
    sys3(158 /* arch_prctl */, 0x1002 /* ARCH_SET_FS */, (long)tp, 0);
}

static int secure;
static char *empty_environment[1];

/* The environment to read YKRW_* variables from: none in a secure process. */
static char **runtime_environment(char **envp, uint64_t *auxv) {
    for (uint64_t *aux = auxv; aux && aux[0]; aux += 2)
        if (aux[0] == 23 /* AT_SECURE */ && aux[1]) secure = 1;
    /* The ids as well, in case auxv could not be read (a library reads it from /proc). */
    if (sys3(SYS_GETUID, 0, 0, 0) != sys3(SYS_GETEUID, 0, 0, 0) || sys3(SYS_GETGID, 0, 0, 0) != sys3(SYS_GETEGID, 0, 0, 0))
        secure = 1;
    return secure ? empty_environment : envp;
}

static const char current_directory[] = ".";

/*
 * The directory run files go to: the YKRW_*_DIR variable (never set in a secure process), else
 * --run-dir, else the current directory (this very string, which say_where recognises); in a secure
 * process without --run-dir, none (said once).
 */
static const char *run_directory(const char *from_environment) {
    if (from_environment && *from_environment) return from_environment;
    if (ykrw_config.run_dir[0]) return ykrw_config.run_dir;
    if (!secure) return current_directory;
    static int told;
    if (!told)
        say("a setuid, setgid or capability-raising process writes run files only to the directory given to"
            " instrument --run-dir, and this program has none: no run file", "");
    told = 1;
    return 0;
}

/* The usual reasons a run file cannot be made, for the line that says so. */
static const char *why(long error) {
    switch (-error) {
    case 2: return ": no such directory";
    case 13: return ": permission denied";
    case 20: return ": not a directory";
    case 28: return ": no space left on the device";
    case 30: return ": read-only file system";
    case 36: return ": name too long";
    case 122: return ": disk quota exceeded";
    default: return "";
    }
}

/* Whether the line about a taken name already said where the last run file went. */
static int said_where;
/* YKRW_QUIET: no line about where a run file went (errors are still said). */
static int quiet;

/*
 * Names a run file that went where its user may not look (docs/RUNTIME.md, "Where"): the current
 * directory by default (no YKRW_*_DIR, no --run-dir) when that is not the directory of the file that
 * ran, as after `build/prog` or `cd /tmp && ~/prog`; a user who runs `./prog` finds it beside the
 * program. Said once, when the file is made (the runtime has no hook at exit in a static program), with
 * its absolute path. A forked child says nothing: its parent's line named the directory.
 */
static void say_where(const char *dir, const char *path, const char *ran, const char *variable, int fresh) {
    if (quiet || fresh || said_where || dir != current_directory) return;
    char cwd[1024];
    if (sys3(79 /* getcwd */, (long)cwd, sizeof cwd, 0) <= 0) return;
    size_t slash = 0, n = str_len(cwd);
    for (size_t i = 0; ran[i]; i++)
        if (ran[i] == '/') slash = i;
    int same = slash == n && n > 0;
    for (size_t i = 0; same && i < n; i++) same = ran[i] == cwd[i];
    if (same || (slash == 0 && ran[0] == '/' && n == 1)) return;  /* beside the program (or both in /) */
    char line[1300];
    size_t at = 0;
    append(line, sizeof line, &at, n > 1 ? cwd : "");
    append(line, sizeof line, &at, path + 1);  /* "./NAME" -> "/NAME" */
    append(line, sizeof line, &at, " (the current directory, not the program's; ");
    append(line, sizeof line, &at, variable);
    say3("this run is in ", line, " chooses another, YKRW_QUIET=1 hides this line)");
}

/* How many other names a run file tries when its own exists. */
#define OTHER_NAMES 32

/*
 * Creates DIR/STEM.PID.EXT new, or when that exists DIR/STEM.PID.K.EXT for the first free K of
 * 1..OTHER_NAMES. O_EXCL never opens an existing file: an earlier process's run (a pid reused) or a
 * link someone planted in a shared directory so that we truncate and overwrite what it points to (with
 * O_CREAT | O_EXCL a link is refused as existing, whatever it points to; O_NOFOLLOW says so twice).
 * A path that does not fit `cap` is refused, never cut (a cut path names another file). Returns the
 * descriptor, the name used in path, or -1 having said why on stderr.
 */
static long create_run_file(char *path, size_t cap, const char *dir, const char *stem, long pid, const char *ext) {
    char first[1024];
    first[0] = 0;
    long mode = ykrw_config.run_mode ? (long)(ykrw_config.run_mode & 0777) : 0600;
    for (unsigned long k = 0; k <= OTHER_NAMES; k++) {
        size_t at = 0;
        int fits = append(path, cap, &at, dir) && append(path, cap, &at, "/") && append(path, cap, &at, stem)
                   && append(path, cap, &at, ".") && append_number(path, cap, &at, (unsigned long)pid);
        if (k) fits = fits && append(path, cap, &at, ".") && append_number(path, cap, &at, k);
        fits = fits && append(path, cap, &at, ext);
        if (!fits) {
            char length[24];
            size_t n = 0;
            append_number(length, sizeof length, &n, str_len(dir));
            say3("no run file: its path would be longer than the runtime takes (the directory's name has ", length,
                 " bytes)");
            return -1;
        }
        long fd = sys3(SYS_OPEN, (long)path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0) {
            if (k) say3(first, " exists, left alone: this run is in ", path);
            said_where = k != 0;
            return fd;
        }
        if (fd != -EEXIST) {
            say3("cannot create ", path, why(fd));
            return -1;
        }
        if (!k) memcpy(first, path, at + 1);
    }
    say3("no run file: ", first, " and the next names after it exist");
    return -1;
}

/* The run-file name prefix, NUL-terminated within its field whatever the config holds. */
static const char *run_name(void) {
    ykrw_config.name[sizeof ykrw_config.name - 1] = 0;
    return ykrw_config.name;
}

/*
 * The run file's name: that of the file that ran (the program as /proc/self/exe names it, or the
 * library as mapped), which is what a user looks for after running `./prog.cov`; the input's name,
 * kept in the config, only when that path is unknown.
 */
static const char *run_stem(const char *recorded) {
    const char *base = recorded;
    for (const char *p = recorded; *p; p++) {
        if (*p == '/') base = p + 1;
    }
    return *base ? base : run_name();
}

/* Reserves the file's blocks, so a full disk shows now, not as SIGBUS when a counter is first written. */
static long reserve(long fd, uint64_t bytes) {
    long r = sys6(SYS_FALLOCATE, fd, 0, 0, (long)bytes, 0, 0);
    if (r == -95 /* EOPNOTSUPP: a file system without it */) r = sys3(SYS_FTRUNCATE, fd, (long)bytes, 0);
    return r;
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
            int whole = used + 1 < sizeof line; /* else the line was cut */
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
            /* A path cut by either buffer would name another file: none rather than that. */
            found = whole && append(out, cap, &at, p) ? (long)at : -1;
        }
        if (found) break;
    }
    sys3(SYS_CLOSE, fd, 0, 0);
    return found > 0 ? found : 0;
}

static int in_library;

/*
 * Fills a run header's 448-byte path field with the instrumented file that runs, which reports find
 * the block map in: the program (/proc/self/exe), or the library itself in a library. A path the
 * field would cut names another file, so the run then names none.
 */
static void recorded_path(unsigned char *field) {
    long n = in_library ? mapped_file_path((uint64_t)&ykrw_config, (char *)field, 448)
                        : sys3(SYS_READLINK, (long)"/proc/self/exe", (long)field, 447);
    if (n >= 447) n = 0;
    field[n > 0 ? n : 0] = 0;
}

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
    recorded_path(header + 64);
    if (!fresh) memcpy(region, header, sizeof header);

    char path[1024];
    const char *dir = run_directory(coverage_dir);
    if (!dir) return;
    long fd = create_run_file(path, sizeof path, dir, run_stem((const char *)(header + 64)), pid, ".ykcov");
    if (fd < 0) return;
    say_where(dir, path, (const char *)(header + 64), "YKRW_COVERAGE_DIR", fresh);
    /*
     * The file takes what the counters hold now (constructors may have run), then replaces them; a
     * child's file takes the header and zeros (its blocks reserved, read as zeros).
     */
    const unsigned char *from = fresh ? header : region;
    uint64_t keep = fresh ? sizeof header : bytes;
    long sized = fresh ? reserve(fd, bytes) : 0;
    if (sized != 0) {
        say3("cannot size ", path, why(sized));
        sys3(SYS_CLOSE, fd, 0, 0);
        return;
    }
    for (uint64_t done = 0; done < keep;) {
        long w = sys3(SYS_WRITE, fd, (long)(from + done), (long)(keep - done));
        if (w <= 0) {
            say3("cannot write ", path, why(w));
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

/* ---- trace runs (docs/FORMATS.md section 3) ---- */
/*
 * Each thread writes its block records (probe number + 1, a u32) into a window of its own: a page of
 * the run file holding the window's header, then its record bytes, mapped shared, so what a window
 * holds is in the file however the process ends. The probe keeps the thread's cursor in
 * thread-local storage and writes downwards; when the window is full (or the thread has none yet) it
 * calls ykrw_trace_refill, which encodes the window against the successor table ykrw derived from
 * the CFG (only what the CFG cannot infer: about a bit per conditional branch, the target of indirect
 * transfers) and appends that to the file as a chunk.
 */
#define SYS_PWRITE 18
#define SYS_MADVISE 28
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define PROT_NONE 0
#define TRACE_NONE 0xFFFFFFFFu
#define TRACE_STACK 64
#define TRACE_STAGE_MAGIC 0x53544b59u /* "YKTS" */
#define TRACE_CHUNK_MAGIC 0x43544b59u /* "YKTC" */

struct trace_header {
    char magic[8];        /* YKRWTRC2 */
    uint32_t header_size; /* 4096: chunks and windows start here */
    uint32_t stage_bytes; /* record bytes of a window */
    uint64_t end;         /* the file's allocated length: chunks and windows are carved from it */
    uint64_t records;     /* records in encoded chunks (windows hold the rest) */
    uint64_t map_id, load_bias;
    uint32_t pid;
    uint32_t threads;     /* threads that recorded: their serials are 0 .. threads - 1 */
    uint64_t dropped;     /* records lost: a window or chunk the file could not take */
};

/* The successor table (TraceSuccessors.java) follows the header page in the region. */
struct trace_successors {
    uint32_t next0, next1, ret, flags;
};
struct trace_table {
    char magic[8];        /* YKRWSUC1 */
    uint32_t count;       /* probes */
    uint32_t stage_bytes; /* a power of two */
    int64_t tpoff;        /* the thread's cursor is at %fs:tpoff, its window's header at %fs:tpoff + 8 */
    uint64_t capacity;    /* records the file keeps at most (instrument --trace-capacity), 0: no limit */
    struct trace_successors entry[]; /* count + 1: the last, all none, for no previous record */
};
enum { TRACE_CALL = 1, TRACE_RET = 2 };

/* A window's header page (the rest of the page stays zero). */
struct trace_stage {
    uint32_t magic;    /* TRACE_STAGE_MAGIC */
    uint32_t thread;   /* serial */
    uint32_t sequence; /* the chunk number its records get when encoded */
    uint32_t bytes;    /* record bytes after this page */
    uint32_t pid;      /* the process that owns it (a static program's child inherits the mapping) */
    uint32_t reserved;
    uint64_t scratch;  /* private memory the encoder writes a chunk into */
};

static long trace_fd = -1;

static struct trace_header *trace_run(void) {
    return (struct trace_header *)runtime_address(ykrw_config.trace_region);
}

static struct trace_table *trace_table(void) {
    return (struct trace_table *)((unsigned char *)runtime_address(ykrw_config.trace_region) + PAGE);
}

static uint64_t tls_get(long off) {
    uint64_t v;
    __asm__ volatile("mov %%fs:(%1), %0" : "=r"(v) : "r"(off));
    return v;
}

static void tls_set(long off, uint64_t v) {
    __asm__ volatile("mov %0, %%fs:(%1)" : : "r"(v), "r"(off) : "memory");
}

/* File space at its end for a chunk or window, aligned to `align` (8, or a page for a window); -1: none. */
static long trace_allocate(uint64_t bytes, uint64_t align) {
    struct trace_header *h = trace_run();
    uint64_t want = ((bytes + 7) & ~7UL) + align - 8, at = __atomic_fetch_add(&h->end, want, __ATOMIC_RELAXED);
    long r = sys6(SYS_FALLOCATE, trace_fd, 0, (long)at, (long)want, 0, 0);
    if (r == -95 /* EOPNOTSUPP */) {
        /* grows the file only: a racing thread's smaller length never wins over a larger one */
        struct { uint64_t dev, ino, nlink; uint32_t mode, uid, gid, pad; uint64_t rdev; int64_t size; } stat;
        for (;;) {
            if (sys3(5 /* fstat */, trace_fd, (long)&stat, 0) != 0) return -1;
            if ((uint64_t)stat.size >= at + want) break;
            if (sys3(SYS_FTRUNCATE, trace_fd, (long)(at + want), 0) != 0) return -1;
        }
        r = 0;
    }
    return r == 0 ? (long)((at + align - 1) & ~(align - 1)) : -1;
}

/* Bit writer of a chunk: codes of at most 32 bits, low bit first, in 32-bit words. */
struct bits {
    uint32_t *out;
    uint64_t acc;
    uint32_t fill;
};

static inline void put_bits(struct bits *b, uint64_t value, uint32_t n) {
    b->acc |= value << b->fill;
    b->fill += n;
    if (b->fill >= 32) {
        *b->out++ = (uint32_t)b->acc;
        b->acc >>= 32;
        b->fill -= 32;
    }
}

/* Bits of a probe number after an escape: enough for the table's count. */
static uint32_t trace_width(uint32_t count) {
    uint32_t width = 1;
    while (width < 30 && ((uint64_t)1 << width) < count) width++; /* codes stay within 32 bits */
    return width;
}

/*
 * Encodes n records (probe numbers + 1, the first at top[0], the next at top[-1], ...): per record 0
 * when it is the first successor the table predicts after the record before, 10 when it is the
 * second, else 11 and the probe number in trace_width bits. After a block that returns, the prediction
 * is the top of a return stack that a call pushes its return block onto when the callee is entered.
 * Every chunk starts afresh (nothing before, an empty stack), so each decodes on its own, and a chunk
 * the file could not take costs only its own records. TraceDecoder.java replays the same steps.
 */
static uint32_t *trace_encode(const uint32_t *top, uint32_t n, uint32_t *out) {
    const struct trace_table *t = trace_table();
    uint32_t width = trace_width(t->count);
    struct bits b = {out, 0, 0};
    uint32_t stack[TRACE_STACK];
    uint32_t prev = t->count, depth = 0, sp = 0; /* entry[count] stands for no previous record */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = top[-(long)i] - 1;
        const struct trace_successors *e = &t->entry[prev];
        prev = r;
        if (__builtin_expect(r == e->next0 && !e->flags, 1)) {
            put_bits(&b, 0, 1); /* the common case first: no return stack to keep */
            continue;
        }
        uint32_t a = e->next0, c = e->next1;
        if (e->flags & TRACE_RET) {
            /* a return, or an unwind or longjmp past frames: pop down to the frame it lands in */
            a = depth ? stack[sp] : TRACE_NONE;
            uint32_t k = 0;
            while (k < depth && stack[(sp - k) & (TRACE_STACK - 1)] != r) k++;
            if (k < depth) {
                sp = (sp - k - 1) & (TRACE_STACK - 1);
                depth -= k + 1;
            }
        } else if ((e->flags & TRACE_CALL) && e->ret != r && e->ret != TRACE_NONE) {
            sp = (sp + 1) & (TRACE_STACK - 1);
            stack[sp] = e->ret;
            depth += depth < TRACE_STACK;
        }
        if (r == a) put_bits(&b, 0, 1);
        else if (r == c) put_bits(&b, 1, 2);
        else put_bits(&b, 3 | (uint64_t)r << 2, 2 + width);
    }
    if (b.fill) *b.out++ = (uint32_t)b.acc;
    return b.out;
}

/* The chunk header the encoder writes in front of its bits (8-aligned in the file). */
struct trace_chunk {
    uint32_t magic;    /* TRACE_CHUNK_MAGIC */
    uint32_t thread, sequence, records;
    uint32_t bytes;    /* encoded bytes after this header (a multiple of 4) */
    uint32_t reserved[3];
};

/* Appends a window's records to the file as a chunk and empties the window. */
static void trace_flush(struct trace_stage *st) {
    struct trace_header *h = trace_run();
    uint32_t *data = (uint32_t *)((unsigned char *)st + PAGE);
    uint32_t slots = st->bytes / 4;
    uint32_t *top = data + slots - 2; /* the first record; the window's last slot stays 0 */
    uint32_t n = 0;
    while (n < slots - 1 && top[-(long)n]) n++;
    if (!n) return;
    struct trace_chunk *chunk = (struct trace_chunk *)st->scratch;
    uint32_t *end = trace_encode(top, n, (uint32_t *)(chunk + 1));
    *chunk = (struct trace_chunk){TRACE_CHUNK_MAGIC, st->thread, st->sequence, n,
                                  (uint32_t)((unsigned char *)end - (unsigned char *)(chunk + 1)), {0, 0, 0}};
    uint64_t total = sizeof *chunk + chunk->bytes;
    uint64_t cap = trace_table()->capacity;
    long at = cap && __atomic_load_n(&h->records, __ATOMIC_RELAXED) + n > cap ? -1 : trace_allocate(total, 8);
    long done = 0;
    while (at >= 0 && (uint64_t)done < total) {
        long w = sys6(SYS_PWRITE, trace_fd, (long)((unsigned char *)chunk + done), (long)(total - done), at + done, 0, 0);
        if (w <= 0) break;
        done += w;
    }
    if ((uint64_t)done == total) __atomic_fetch_add(&h->records, n, __ATOMIC_RELAXED);
    else __atomic_fetch_add(&h->dropped, n, __ATOMIC_RELAXED);
    st->sequence++;
    memset(data + (slots - 1 - n), 0, (size_t)n * 4);
}

/*
 * A thread's window: a page-aligned header page and `bytes` of records at the file's end, mapped
 * shared at an address aligned to `bytes` (the probe finds a full window by its cursor's low bits).
 */
static struct trace_stage *trace_new_stage(uint32_t bytes) {
    struct trace_header *h = trace_run();
    if (trace_fd < 0) return 0;
    long span = 2L * bytes + (long)PAGE;
    long base = sys6(SYS_MMAP, 0, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long scratch = sys6(SYS_MMAP, 0, (long)bytes * 2 + (long)PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long at = trace_allocate(PAGE + bytes, PAGE);
    if (base < 0 || scratch < 0 || at < 0) return 0;
    uint64_t records = ((uint64_t)base + PAGE + bytes - 1) & ~((uint64_t)bytes - 1);
    long mapped = sys6(SYS_MMAP, (long)(records - PAGE), (long)(PAGE + bytes), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_FIXED, trace_fd, at);
    if (mapped != (long)(records - PAGE)) return 0;
    struct trace_stage *st = (struct trace_stage *)mapped;
    st->thread = __atomic_fetch_add(&h->threads, 1, __ATOMIC_RELAXED);
    st->sequence = 0;
    st->bytes = bytes;
    st->pid = (uint32_t)sys3(SYS_GETPID, 0, 0, 0);
    st->scratch = (uint64_t)scratch;
    __atomic_store_n(&st->magic, TRACE_STAGE_MAGIC, __ATOMIC_RELEASE);
    return st;
}

/*
 * Records made before a thread can have a window: before start-up made the file (IFUNC resolvers ld.so
 * runs, other objects' constructors calling a library's code) and, in a static executable, before libc
 * set up thread-local storage (the runtime's early block is the template new threads are copied
 * from, so no cursor may stay in it). Such probes call the runtime every time (the thread's cursor
 * stays 0) and their records wait here, single-threaded start-up code all of it, until the first
 * window is made: the main thread's, which takes them as its first records.
 */
#define TRACE_PENDING 16383
static uint32_t trace_pending[TRACE_PENDING];
static uint32_t trace_pending_count, trace_pending_taken;
static uint32_t trace_sink; /* where a record goes that nothing can take */

static uint64_t trace_drop(void) {
    __atomic_fetch_add(&trace_run()->dropped, 1, __ATOMIC_RELAXED);
    return (uint64_t)&trace_sink + 4;
}

/* A new window for the thread, and the cursor for its first record; the waiting records go first. */
static uint64_t trace_first_window(uint64_t *cursor, uint64_t *stage, uint32_t bytes) {
    struct trace_stage *st = trace_new_stage(bytes);
    if (!st) return 0;
    uint32_t *top = (uint32_t *)((unsigned char *)st + PAGE + bytes) - 2;
    uint64_t next = (uint64_t)(top + 1);
    if (!__atomic_exchange_n(&trace_pending_taken, 1, __ATOMIC_ACQ_REL)) {
        for (uint32_t i = 0; i < trace_pending_count; i++) top[-(long)i] = trace_pending[i];
        next -= 4UL * trace_pending_count;
    }
    *stage = (uint64_t)st;
    *cursor = next - 4;
    return next;
}

/*
 * A thread's window is full, or it has none yet: writes the full one out, or makes one. Returns where
 * the record goes (the 4 bytes below the value returned); cursor and stage are the thread's, updated.
 */
static uint64_t trace_next(uint64_t *cursor, uint64_t *stage) {
    uint32_t bytes = trace_table()->stage_bytes;
    struct trace_stage *st = (struct trace_stage *)*stage;
    if (st && st->pid == (uint32_t)sys3(SYS_GETPID, 0, 0, 0)) {
        trace_flush(st);
        uint64_t next = (uint64_t)st + PAGE + bytes - 4;
        *cursor = next - 4;
        return next;
    }
    /* none yet, or one made by the parent of a static program's child, which stays the parent's */
    *stage = 0;
    *cursor = 0;
    uint64_t fs = tls_get(0); /* glibc's (and the early block's) thread control block points at itself */
    if (trace_fd < 0 || (void *)fs == early_thread_pointer()) {
        if (trace_pending_taken || trace_pending_count >= TRACE_PENDING) return trace_drop();
        return (uint64_t)&trace_pending[trace_pending_count++] + 4;
    }
    uint64_t next = trace_first_window(cursor, stage, bytes);
    return next ? next : trace_drop();
}

/* The probe's slow path in an executable (ykrw_trace_refill_stub): its cursor and window are thread-local. */
__attribute__((used)) uint64_t ykrw_trace_refill(void) {
    long off = (long)trace_table()->tpoff;
    uint64_t cursor = tls_get(off), stage = tls_get(off + 8);
    uint64_t next = trace_next(&cursor, &stage);
    tls_set(off, cursor);
    tls_set(off + 8, stage);
    return next;
}

/*
 * A shared library has no thread-local bytes of ykrw's (ld.so places its block, and its code finds it
 * by module offsets), so its probes call the runtime for every record (ykrw_trace_record_stub): the
 * thread's cursor and window are found in a table by the thread's control block (%fs:0 holds its own
 * address). A thread that takes over a dead thread's control block continues its window.
 */
#define TRACE_THREADS 4096
static struct trace_thread {
    uint64_t tcb, cursor, stage;
} trace_threads[TRACE_THREADS];

__attribute__((used)) void ykrw_trace_record(uint32_t value) {
    uint64_t tcb = tls_get(0);
    uint64_t h = (tcb * 0x9E3779B97F4A7C15UL) >> 52;
    struct trace_thread *e = 0;
    for (uint64_t i = 0; i < TRACE_THREADS && !e; i++) {
        struct trace_thread *c = &trace_threads[(h + i) & (TRACE_THREADS - 1)];
        uint64_t key = __atomic_load_n(&c->tcb, __ATOMIC_ACQUIRE);
        if (!key && __atomic_compare_exchange_n(&c->tcb, &key, tcb, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) key = tcb;
        if (key == tcb) e = c;
    }
    if (!e) {
        trace_drop();
        return;
    }
    uint64_t old = e->cursor, next;
    if (old & (trace_table()->stage_bytes - 1)) {
        next = old;
        e->cursor = old - 4;
    } else {
        next = trace_next(&e->cursor, &e->stage);
    }
    *(uint32_t *)(next - 4) = value;
}

/*
 * The run's header and the file (mapped shared over the region's first page: the threads' windows
 * and the chunks follow it). fresh: a child after fork, whose trace starts empty; the thread that
 * forked leaves its parent's window (the parent's file keeps it) and gets a new one at its next record.
 */
static void start_trace_file(long pid, int fresh) {
    unsigned char *region = runtime_address(ykrw_config.trace_region);
    struct trace_header *h = (struct trace_header *)region;
    unsigned char page[PAGE];
    memcpy(page, region, sizeof page); /* a child must not touch its parent's shared header */
    struct trace_header *copy = (struct trace_header *)page;
    copy->load_bias = (uint64_t)bias();
    copy->pid = (uint32_t)pid;
    copy->end = PAGE;
    if (fresh) copy->records = copy->dropped = copy->threads = 0;
    recorded_path(page + 64);
    if (fresh) {
        if (trace_fd >= 0) sys3(SYS_CLOSE, trace_fd, 0, 0);
        trace_fd = -1;
        /* the thread that forked is the child's only one: its parent's window is left to the parent */
        long off = (long)trace_table()->tpoff;
        if (off) {
            tls_set(off + 8, 0);
            tls_set(off, 0);
        } else {
            memset(trace_threads, 0, sizeof trace_threads);
        }
    }
    memcpy(region, page, sizeof page); /* private again below once the file is mapped, or stays so */
    char path[1024];
    const char *dir = run_directory(trace_dir);
    if (!dir) return;
    long fd = create_run_file(path, sizeof path, dir, "ykrw-trace", pid, ".bin");
    if (fd < 0) return;
    say_where(dir, path, (const char *)(page + 64), "YKRW_TRACE_DIR", fresh);
    long done = 0;
    while (done >= 0 && (uint64_t)done < sizeof page) {
        long w = sys3(SYS_WRITE, fd, (long)(page + done), (long)(sizeof page - done));
        done = w > 0 ? done + w : (w < 0 ? w : -5 /* EIO: no progress */);
    }
    if (done > 0) done = sys6(SYS_MMAP, (long)region, (long)PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
    if (done != (long)region) {
        say3("cannot write ", path, why(done < 0 ? done : 0));
        sys3(SYS_CLOSE, fd, 0, 0);
        return;
    }
    (void)h;
    trace_fd = fd;
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

/*
 * A --toggle build's trace file waits until tracing is first switched on, so a run that never traces
 * leaves no file (a sparse 128 MiB one otherwise). Nothing is recorded before: the sleds are NOPs.
 * fresh: whether the file, once created, starts from an empty header (a child after fork).
 */
static int trace_file_waiting, trace_file_fresh;

static void create_waiting_trace_file(void) {
    if (!trace_file_waiting) return;
    start_trace_file(sys3(SYS_GETPID, 0, 0, 0), trace_file_fresh);
    /* cleared once the file is mapped: a thread that finds it set waits for the lock, and then the file */
    __atomic_store_n(&trace_file_waiting, 0, __ATOMIC_RELEASE);
}

/* Flips every trace sled: one lock, one mprotect each way for the whole code range. */
static void set_all_sites(int on) {
    if (!ykrw_config.site_count) return;
    lock_patching();
    if (on && trace_state != 1) create_waiting_trace_file(); /* the file first, then the records */
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

/*
 * --abi yk: each thread has a tracing byte in its thread-local block (%fs:tls_offset) which every
 * probe tests; enable and disable set the calling thread's. Other threads keep theirs.
 */
static void set_thread_state(int on) {
    if (!(ykrw_config.flags & FLAG_THREAD_STATE)) return;
    if (on && __atomic_load_n(&trace_file_waiting, __ATOMIC_ACQUIRE)) { /* the first thread to trace creates the file */
        lock_patching();
        create_waiting_trace_file();
        unlock_patching();
    }
    __asm__ volatile("movb %b0, %%fs:(%1)" : : "q"(on), "r"(ykrw_config.tls_offset) : "memory");
}

__attribute__((used)) void ykrw_trace_enable(void) {
    set_thread_state(1);
    set_all_sites(1);
}

__attribute__((used)) void ykrw_trace_disable(void) {
    set_thread_state(0);
    set_all_sites(0);
}

/* Where ykrw_yk_wrapper records (the trace run's region, mapped at start-up), or 0: call the tracer. */
/*
 * Where ykrw_yk_wrapper records: the table of each function's first probe number (after the trace run's
 * successor table), or 0: call the tracer. ykrw_yk_cursor: the %fs offset of the thread's cursor.
 */
__attribute__((used)) unsigned char *ykrw_yk_region;
__attribute__((used)) int64_t ykrw_yk_cursor;

/*
 * YKRW_TRACE=1 at start-up: the byte is set in the template too, so every thread starts tracing
 * (ld.so and libc copy the template into each new thread's block); the main thread's block was copied
 * before the runtime ran, so its byte is set as well.
 */
static void start_thread_state(char **envp) {
    uint32_t flags = ykrw_config.flags;
    if (!(flags & FLAG_THREAD_STATE)) return;
    if (flags & FLAG_TRACE_FILE) {
        ykrw_yk_cursor = trace_table()->tpoff;
        ykrw_yk_region = (unsigned char *)&trace_table()->entry[trace_table()->count + 1];
    }
    const char *want = env(envp, "YKRW_TRACE");
    if (!want || want[0] != '1') return;
    set_thread_state(1);
    unsigned char *tp = early_thread_pointer();
    if (tp) tp[ykrw_config.tls_offset] = 1;
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
 * W^X for self-removing probes. The instrumented code is never made writable: at start-up the
 * runtime copies it into an anonymous memory file, maps that file over the code, private and
 * read-execute (so a debugger can still plant breakpoints), and maps it a second time, shared and
 * read-write, at an address of the kernel's choosing. Probes turn themselves off by writing through
 * the second view; the executable view sees the change because both map the same pages (a page a
 * debugger wrote to is a private copy that no longer sees it: its probes stay on, which costs time,
 * never coverage). If the kernel refuses (no memfd_create, or vm.memfd_noexec), the probes stay on
 * and mark their block at every hit: correct, slower, still W^X.
 * A child made by fork gets a copy of its own (after_fork_in_child), or its flips would reach the
 * parent's code; a static program has no fork hook, and its children share the parent's code and,
 * as they share its run file, the parent's marks.
 */
static long code_alias; /* address of the writable view minus that of the code, 0: none */

static void copy_words(uint64_t *to, const uint64_t *from, uint64_t bytes) {
    for (uint64_t i = 0; i < bytes / 8; i++) to[i] = from[i];
}

static void alias_code(void) {
    uint64_t lo = (uint64_t)runtime_address(ykrw_config.code_start) & ~(PAGE - 1);
    uint64_t hi = ((uint64_t)runtime_address(ykrw_config.code_end) + PAGE - 1) & ~(PAGE - 1);
    long inherited = code_alias ? (long)lo + code_alias : 0; /* a child's view of its parent's copy */
    code_alias = 0;
    if (hi <= lo) return;
    uint64_t len = hi - lo;
    /* MFD_EXEC (0x10) says the file may be mapped executable where vm.memfd_noexec asks; older
     * kernels refuse the flag, so it is tried first and left out on failure. */
    long fd = sys3(SYS_MEMFD_CREATE, (long)"ykrw-code", MFD_CLOEXEC | 0x10, 0);
    if (fd < 0) fd = sys3(SYS_MEMFD_CREATE, (long)"ykrw-code", MFD_CLOEXEC, 0);
    if (fd < 0) {
        say("cannot create a writable view of the code: --once probes stay on", "");
        return;
    }
    long view = -1;
    if (sys3(SYS_FTRUNCATE, fd, (long)len, 0) == 0)
        view = sys6(SYS_MMAP, 0, (long)len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (view < 0 && view > -4096) {
        say("cannot map a writable view of the code: --once probes stay on", "");
    } else {
        copy_words((uint64_t *)view, (const uint64_t *)lo, len);
        long at = sys6(SYS_MMAP, (long)lo, (long)len, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, 0);
        if (at == (long)lo) {
            code_alias = view - (long)lo;
            if (inherited) sys3(SYS_MUNMAP, inherited, (long)len, 0);
        } else {
            sys3(SYS_MUNMAP, view, (long)len, 0);
            say("cannot map the code from its copy: --once probes stay on", "");
        }
    }
    sys3(SYS_CLOSE, fd, 0, 0);
}

__attribute__((used)) void ykrw_once_hit(uint64_t k) {
    unsigned char *counters = runtime_address(ykrw_config.region);
    counters[512 + k] = 1;
    if (!code_alias) return;
    uint64_t *pairs = runtime_address(ykrw_config.sites);
    uint64_t site = (uint64_t)runtime_address(pairs[2 * k]);
    lock_patching();
    turn_off_once(site + (uint64_t)code_alias);
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
        if (!fs || fs == (uint64_t)early_thread_pointer()) return 0;
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

/*
 * The tracer stub's save area for the extended state (x87, SSE, AVX, AVX-512, AMX tiles, ...). Its
 * size depends on the CPU and on what the kernel enabled in XCR0 (2,696 bytes with AVX-512, 11,008
 * with AMX tile data), so it is read from CPUID, never assumed. The stub saves every component the
 * kernel enabled (mask = XCR0): the tracer is ordinary code that may use any vector register, and a
 * probe sits where the program has no call, so nothing the program holds there may be lost.
 * XSAVEC is preferred: it writes only the components in use (an AMX-capable CPU whose program never
 * touched tiles writes no tile data), in the compacted format XRSTOR recognises by XCOMP_BV bit 63.
 * Without XSAVEC, XSAVEOPT, then XSAVE (standard format, sized by CPUID.(EAX=0DH,ECX=0):EBX); without
 * OS-enabled XSAVE at all, FXSAVE's 512 bytes.
 */
enum { SAVE_FXSAVE = 1, SAVE_XSAVE = 2, SAVE_XSAVEOPT = 3, SAVE_XSAVEC = 4 };
/* Read by the stub; a zero ykrw_xsave_frame means "not configured yet" (probes can run before
 * start-up: IFUNC resolvers, a library's code before its DT_INIT), and the stub configures first. */
__attribute__((used)) uint64_t ykrw_xsave_frame; /* bytes the stub reserves: area + 64 for alignment */
__attribute__((used)) uint64_t ykrw_xsave_mask;  /* EDX:EAX for the save and XRSTOR */
__attribute__((used)) uint32_t ykrw_xsave_kind;  /* SAVE_* */
static uint64_t xsave_area;                      /* bytes the chosen instruction writes at most */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* Size of the compacted (XSAVEC) area holding the components of mask: the legacy area and header
 * (576 bytes), then each component i >= 2 in order, 64-byte aligned when CPUID says so (ECX bit 1). */
static uint64_t compacted_size(uint64_t mask) {
    uint64_t size = 576;
    for (uint32_t i = 2; i < 63; i++) {
        if (!(mask >> i & 1)) continue;
        uint32_t a, b, c, d;
        cpuid(0xD, i, &a, &b, &c, &d);
        if (c & 2) size = (size + 63) & ~63UL;
        size += a;
    }
    return size;
}

__attribute__((used)) void ykrw_xsave_configure(void) {
    uint32_t a, b, c, d;
    uint64_t mask = 0, area = 512, kind = SAVE_FXSAVE;
    cpuid(0, 0, &a, &b, &c, &d);
    uint32_t max_leaf = a;
    cpuid(1, 0, &a, &b, &c, &d);
    if ((c >> 27 & 1) && max_leaf >= 0xD) { /* OSXSAVE: the kernel enabled XSAVE and XGETBV */
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        mask = (uint64_t)hi << 32 | lo;
        cpuid(0xD, 1, &a, &b, &c, &d);
        if (a & 2) {
            kind = SAVE_XSAVEC;
            area = compacted_size(mask);
        } else {
            kind = (a & 1) ? SAVE_XSAVEOPT : SAVE_XSAVE;
            cpuid(0xD, 0, &a, &b, &c, &d);
            area = b; /* standard format: the size for every component enabled in XCR0 */
        }
    }
    xsave_area = area;
    ykrw_xsave_mask = mask;
    ykrw_xsave_kind = (uint32_t)kind;
    /* Last: the stub takes a non-zero frame as "configured". Rounded to 64 plus 64 for the and. */
    __atomic_store_n(&ykrw_xsave_frame, ((area + 63) & ~63UL) + 64, __ATOMIC_RELEASE);
}

static void say_hex(const char *what, uint64_t v) {
    char text[24] = "0x";
    int n = 2;
    for (int shift = 60; shift >= 0; shift -= 4) {
        unsigned nibble = (unsigned)(v >> shift & 0xF);
        if (nibble || n > 2 || shift == 0) text[n++] = (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
    }
    text[n] = 0;
    say(what, text);
}

/*
 * YKRW_RUNTIME_INFO=1: one line per fact the runtime chose from the CPU, for tests and bug reports
 * (the tests compare them with CPUID read by a probe of their own).
 */
static void report_cpu_choices(void) {
    if (!ykrw_xsave_frame) ykrw_xsave_configure();
    /* a switch, not a table of strings: a table of pointers would need relocations */
    const char *name = "fxsave";
    switch (ykrw_xsave_kind) {
    case SAVE_XSAVE: name = "xsave"; break;
    case SAVE_XSAVEOPT: name = "xsaveopt"; break;
    case SAVE_XSAVEC: name = "xsavec"; break;
    }
    say("xsave instruction ", name);
    say_hex("xsave mask ", ykrw_xsave_mask);
    char bytes[24];
    size_t at = 0;
    append_number(bytes, sizeof bytes, &at, xsave_area);
    say("xsave area ", bytes);
}

/* Set at start-up so the tracer stub adds the bias with one instruction. */
__attribute__((used)) long ykrw_tracer_bias;

/*
 * The tracer's run-time address once it may be called straight from a probe (ykrw_tracer_direct),
 * 0 until then. Armed by the first call made when ykrw_tracer_enter allows one; never with
 * FLAG_TRACER_GUARD (TracePass then makes no direct probes).
 */
__attribute__((used)) uint64_t ykrw_tracer_target;

__attribute__((used)) void ykrw_tracer_arm(void) {
    if (!(ykrw_config.flags & FLAG_TRACER_GUARD) && ykrw_tracer_enter())
        __atomic_store_n(&ykrw_tracer_target, ykrw_config.tracer + ykrw_tracer_bias, __ATOMIC_RELEASE);
}

/*
 * Children made by fork get run files of their own. The output imports pthread_atfork (weakly, from
 * libc) into this slot when the program is dynamically linked; ld.so fills it. A static program has
 * no such hook: its children keep adding to the parent's files.
 */
__attribute__((used)) uint64_t ykrw_atfork;

static void after_fork_in_child(void) {
    long pid = sys3(SYS_GETPID, 0, 0, 0);
    if (ykrw_config.flags & FLAG_RUN_FILE) start_run_file(pid, 1);
    if (ykrw_config.flags & FLAG_TRACE_FILE) {
        if (trace_file_waiting) trace_file_fresh = 1; /* the parent never traced: neither has this child yet */
        else start_trace_file(pid, 1);
    }
    if ((ykrw_config.flags & FLAG_ONCE) && code_alias) alias_code();
}

/*
 * Filled by the rewriter: the dynamic tables it moved out of the input's PT_GNU_RELRO (.dynamic, the
 * symbol and relocation tables). ld.so is done with them when start-up runs (DT_DEBUG was written
 * before the entry point, a library is relocated before its DT_INIT), so they become read-only, as
 * the input's RELRO made them.
 */
__attribute__((used)) uint64_t ykrw_read_only_after_start[2];

static void protect_moved_relro(void) {
    if (ykrw_read_only_after_start[1] <= ykrw_read_only_after_start[0]) return;
    uint64_t lo = (uint64_t)runtime_address(ykrw_read_only_after_start[0]) & ~(PAGE - 1);
    uint64_t hi = ((uint64_t)runtime_address(ykrw_read_only_after_start[1]) + PAGE - 1) & ~(PAGE - 1);
    if (sys3(SYS_MPROTECT, (long)lo, (long)(hi - lo), PROT_READ) != 0)
        say("cannot make the dynamic tables read-only", "");
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

/*
 * ---- AFL++ (instrument --afl): the edge map and the fork server (docs/FUZZING.md) ----
 * Probes add one to map[prev ^ cur] and set prev = cur >> 1, as AFL++'s own instrumentation does.
 * The map is AFL's shared memory (__AFL_SHM_ID) or, when the program runs alone, a private one, so
 * the output runs without a fuzzer too. The fork server speaks AFL++ 4.x's protocol on fds 198/199:
 * a hello with the map size, then per run: a word in, fork, the child's pid out, its status out.
 */
#define AFL_FORKSRV_FD 198
#define AFL_FS_OPT_ENABLED 0x80000001u
#define AFL_FS_OPT_MAPSIZE 0x40000000u
#define AFL_FS_OPT_MAX_MAPSIZE (1u << 23)
#define AFL_FS_OPT_SHDMEM_FUZZ 0x01000000u
#define AFL_PERSISTENT_RUNS 10000
#define SYS_READ 0
#define SYS_SHMAT 30
#define SYS_SHMCTL 31
#define SYS_FORK 57
#define SYS_WAIT4 61
#define SYS_KILL 62
#define SYS_EXIT_GROUP 231
#define IPC_STAT 2
#define MAP_ANONYMOUS 0x20
#define WUNTRACED 2
#define SIGSTOP 19
#define SIGCONT 18

enum { AFL_OFF, AFL_AT_START, AFL_DEFERRED, AFL_PERSISTENT };

/*
 * Written by the rewriter (AflPass): the mode above, the map's size (a power of two) and, in an
 * executable, the %fs offset of each thread's prev (AFL++'s own is thread-local too, so the edges of
 * two threads are not taken for one); 0 when all threads share ykrw_afl_prev (a shared library).
 */
__attribute__((used)) uint32_t ykrw_afl_mode;
__attribute__((used)) uint32_t ykrw_afl_map_size;
__attribute__((used)) int64_t ykrw_afl_prev_offset;
/* What the probes read and write: set before any instrumented code runs. */
__attribute__((used)) uint64_t ykrw_afl_area;
__attribute__((used)) uint32_t ykrw_afl_prev;
/* Persistent mode: the current test case, and the instrumented function's body the loop calls. */
__attribute__((used)) uint64_t ykrw_afl_input;
__attribute__((used)) uint64_t ykrw_afl_input_len;
__attribute__((used)) uint64_t ykrw_afl_body;
__attribute__((used)) uint32_t ykrw_afl_looping;

static char **afl_envp;
static const char *afl_last_argument; /* an executable's last argument: afl-fuzz's @@ when there is one */
static uint8_t *afl_input_buffer;
#define AFL_MAX_INPUT (1u << 20)
/*
 * AFL++'s shared-memory test cases (__AFL_SHM_FUZZ_ID): a 4-byte length, then the case's bytes
 * (at most AFL_MAX_INPUT, AFL's MAX_FILE). Set only when afl-fuzz accepted them in the hello: it then
 * writes each case there instead of into @@'s file or stdin.
 */
static const uint8_t *afl_shared_case;
/* This process is a child of the fork server (a fuzzer is listening): persistent mode loops. */
__attribute__((used)) uint32_t ykrw_afl_in_child;

/* Attaches SysV segment `id` if it holds at least `bytes`; 0 when it cannot be used. */
static uint8_t *afl_attach(const char *id, uint64_t bytes) {
    long shm = (long)parse_number(id, (unsigned long)-1);
    uint64_t ds[16] = {0}; /* struct shmid64_ds: shm_segsz at byte 48 */
    if (shm < 0 || sys3(SYS_SHMCTL, shm, IPC_STAT, (long)ds) != 0) {
        say("cannot use AFL's coverage map (__AFL_SHM_ID): no such shared memory segment; using a private one", "");
        return 0;
    }
    if (ds[6] < bytes) {
        say("AFL's coverage map is smaller than this program's: using a private one (rewrite with a smaller"
            " --afl-map-size, or set AFL_MAP_SIZE)", "");
        return 0;
    }
    long at = sys3(SYS_SHMAT, shm, 0, 0);
    return at < 0 && at > -4096 ? 0 : (uint8_t *)at;
}

static void afl_map(void) {
    const char *id = env(afl_envp, "__AFL_SHM_ID");
    uint8_t *area = id ? afl_attach(id, ykrw_afl_map_size) : 0;
    if (!area)
        area = (uint8_t *)sys6(SYS_MMAP, 0, ykrw_afl_map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                               -1, 0);
    ykrw_afl_area = (uint64_t)area;
}

static int afl_io(long n, long fd, void *buf) {
    return sys3(n, fd, (long)buf, 4) == 4;
}

/*
 * Where a fresh persistent child's program reads its first test case (main runs as usual up to the
 * persistent function): AFL_CASE_FILE, the last argument, when it is the file AFL++'s tools put in
 * place of @@ (afl-fuzz's .cur_input, afl-showmap's and afl-tmin's temporary files); else AFL_CASE_STDIN,
 * standard input, when it is a regular file open for writing (afl-fuzz's stdin mode); else AFL_CASE_NONE.
 * Any other last argument may be a file of the user's, which the server must not overwrite.
 */
enum { AFL_CASE_NONE, AFL_CASE_FILE, AFL_CASE_STDIN };
static int afl_case_where;

static int starts_with(const char *s, const char *prefix) {
    while (*prefix && *s == *prefix) s++, prefix++;
    return *prefix == 0;
}

static int afl_case_place(void) {
    if (afl_last_argument) {
        const char *base = afl_last_argument;
        for (const char *c = afl_last_argument; *c; c++)
            if (*c == '/') base = c + 1;
        if (starts_with(base, ".cur_input") || starts_with(base, ".afl-showmap-temp-") || starts_with(base, ".afl-tmin-temp-"))
            return AFL_CASE_FILE;
    }
    struct { uint64_t dev, ino, nlink; uint32_t mode, uid, gid, pad; uint64_t rdev; int64_t size; uint64_t rest[12]; } st;
    if (sys3(5 /* fstat */, 0, (long)&st, 0) != 0 || (st.mode & 0170000) != 0100000 /* S_IFREG */) return AFL_CASE_NONE;
    return (sys3(72 /* fcntl */, 0, 3 /* F_GETFL */, 0) & 3) == O_RDWR ? AFL_CASE_STDIN : AFL_CASE_NONE;
}

/*
 * Persistent mode: AFL++'s shared memory for test cases (__AFL_SHM_FUZZ_ID), when afl-fuzz offers it
 * and the server can give a fresh child's program its first case where it reads it; else 0, and test
 * cases come through @@'s file or stdin as without it.
 */
static const uint8_t *afl_case_memory(void) {
    const char *id = env(afl_envp, "__AFL_SHM_FUZZ_ID");
    if (!id || (afl_case_where = afl_case_place()) == AFL_CASE_NONE) return 0;
    long shm = (long)parse_number(id, (unsigned long)-1);
    long at = shm < 0 ? -1 : sys3(SYS_SHMAT, shm, 0, 0);
    return at < 0 && at > -4096 ? 0 : (const uint8_t *)at;
}

static void afl_write_all(long fd, const uint8_t *bytes, uint32_t n) {
    for (long w; n > 0 && (w = sys3(SYS_WRITE, fd, (long)bytes, n)) > 0; bytes += w, n -= (uint32_t)w) {
    }
}

/*
 * Before forking a fresh child with shared-memory cases: afl-fuzz no longer writes @@'s file or stdin,
 * so the server copies the current case there for the program's own first read (once per child: the
 * loop takes later cases straight from the shared memory). The file is made anew, as afl-fuzz makes
 * it: ext4 flushes a file truncated to zero when it is closed, and truncating and rewriting it cost
 * milliseconds where unlink and create cost tens of microseconds (docs/BENCHMARKS.md).
 */
static void afl_case_for_program(void) {
    uint32_t n = *(const uint32_t *)afl_shared_case;
    if (n > AFL_MAX_INPUT) n = AFL_MAX_INPUT;
    const uint8_t *bytes = afl_shared_case + 4;
    if (afl_case_where == AFL_CASE_FILE) {
        sys3(87 /* unlink */, (long)afl_last_argument, 0, 0);
        long fd = sys3(SYS_OPEN, (long)afl_last_argument, 01 /* O_WRONLY */ | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) return;
        afl_write_all(fd, bytes, n);
        sys3(SYS_CLOSE, fd, 0, 0);
    } else {
        sys3(8 /* lseek */, 0, 0, 0 /* SEEK_SET */);
        afl_write_all(0, bytes, n);
        sys3(SYS_FTRUNCATE, 0, n, 0);
        sys3(8 /* lseek */, 0, 0, 0 /* SEEK_SET */);
    }
}

/*
 * Runs the fork server: returns in each child, and at once when no fuzzer listens on fd 199. A
 * persistent child stops itself after each test case (SIGSTOP) and is resumed (SIGCONT) instead of
 * forked again, until it exits after AFL_PERSISTENT_RUNS cases or the fuzzer kills it.
 */
static void afl_fork_server(void) {
    uint32_t hello = AFL_FS_OPT_ENABLED;
    if (ykrw_afl_map_size <= AFL_FS_OPT_MAX_MAPSIZE) hello |= AFL_FS_OPT_MAPSIZE | (ykrw_afl_map_size - 1) << 1;
    int persistent = ykrw_afl_mode == AFL_PERSISTENT;
    const uint8_t *cases = persistent ? afl_case_memory() : 0;
    if (cases) hello |= AFL_FS_OPT_SHDMEM_FUZZ;
    if (!afl_io(SYS_WRITE, AFL_FORKSRV_FD + 1, &hello)) return;
    uint32_t killed;
    int have_word = 0;
    if (cases) {
        /* afl-fuzz answers an offer of shared-memory cases with ENABLED | SHDMEM_FUZZ (it refuses by
           stopping); any other word is already the first run's (AFL++'s own runtime reads it so too) */
        if (!afl_io(SYS_READ, AFL_FORKSRV_FD, &killed)) sys3(SYS_EXIT_GROUP, 1, 0, 0);
        uint32_t yes = AFL_FS_OPT_ENABLED | AFL_FS_OPT_SHDMEM_FUZZ;
        if ((killed & yes) == yes) afl_shared_case = cases;
        else have_word = 1;
    }
    long child = 0;
    int stopped = 0;
    for (;;) {
        if (have_word) have_word = 0;
        else if (!afl_io(SYS_READ, AFL_FORKSRV_FD, &killed)) sys3(SYS_EXIT_GROUP, 1, 0, 0);
        int status = 0;
        if (stopped && killed) { /* the fuzzer killed the stopped child (a timeout): reap it */
            sys6(SYS_WAIT4, child, (long)&status, 0, 0, 0, 0);
            stopped = 0;
        }
        if (stopped) {
            sys3(SYS_KILL, child, SIGCONT, 0);
            stopped = 0;
        } else {
            if (afl_shared_case) afl_case_for_program();
            child = sys3(SYS_FORK, 0, 0, 0);
            if (child < 0) sys3(SYS_EXIT_GROUP, 1, 0, 0);
            if (child == 0) {
                sys3(SYS_CLOSE, AFL_FORKSRV_FD, 0, 0);
                sys3(SYS_CLOSE, AFL_FORKSRV_FD + 1, 0, 0);
                ykrw_afl_in_child = 1;
                return;
            }
        }
        uint32_t pid = (uint32_t)child;
        if (!afl_io(SYS_WRITE, AFL_FORKSRV_FD + 1, &pid)) sys3(SYS_EXIT_GROUP, 1, 0, 0);
        if (sys6(SYS_WAIT4, child, (long)&status, persistent ? WUNTRACED : 0, 0, 0, 0) < 0)
            sys3(SYS_EXIT_GROUP, 1, 0, 0);
        if ((status & 0xff) == 0x7f) stopped = 1; /* WIFSTOPPED */
        if (!afl_io(SYS_WRITE, AFL_FORKSRV_FD + 1, &status)) sys3(SYS_EXIT_GROUP, 1, 0, 0);
    }
}

/*
 * At start-up: the map, then (in an executable, unless deferred) the fork server. A persistent
 * target's server starts here too, so each child's first test case goes through the program as
 * usual (main opens @@'s file), and the loop in the chosen function takes the cases after it.
 */
static void afl_start(char **envp) {
    afl_envp = envp;
    afl_map();
    if (ykrw_afl_mode != AFL_DEFERRED && !in_library) afl_fork_server();
}

/* --afl-entry: the first call of the chosen function starts the fork server (once). */
__attribute__((used)) void ykrw_afl_deferred_start(void) {
    static int done;
    if (done) return;
    done = 1;
    afl_fork_server();
}

/*
 * The next test case into ykrw_afl_input / _len: the shared memory's (no copy, no system call), else
 * all of @@'s file (the last argument), else of stdin.
 */
static void afl_next_input(void) {
    if (afl_shared_case) {
        uint32_t n = *(const uint32_t *)afl_shared_case;
        ykrw_afl_input = (uint64_t)(afl_shared_case + 4);
        ykrw_afl_input_len = n < AFL_MAX_INPUT ? n : AFL_MAX_INPUT;
        return;
    }
    if (!afl_input_buffer)
        afl_input_buffer = (uint8_t *)sys6(SYS_MMAP, 0, AFL_MAX_INPUT, PROT_READ | PROT_WRITE,
                                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long fd = afl_last_argument ? sys3(SYS_OPEN, (long)afl_last_argument, O_CLOEXEC, 0) : -1;
    long from = fd >= 0 ? fd : 0;
    uint64_t n = 0;
    for (long r; n < AFL_MAX_INPUT && (r = sys3(SYS_READ, from, (long)(afl_input_buffer + n), AFL_MAX_INPUT - n)) > 0;) {
        n += (uint64_t)r;
        if (fd >= 0 && n < AFL_MAX_INPUT) break; /* a regular file reads short only at its end: no second read */
    }
    if (fd >= 0) sys3(SYS_CLOSE, fd, 0, 0);
    ykrw_afl_input = (uint64_t)afl_input_buffer;
    ykrw_afl_input_len = n;
}

/* The looping thread's prev, as at a run's start (the probes' 4 bytes, in 8 reserved at %fs:offset). */
static void afl_clear_prev(void) {
    if (ykrw_afl_prev_offset) tls_set(ykrw_afl_prev_offset, 0);
    else ykrw_afl_prev = 0;
}

/*
 * --afl-persistent, once in each fuzzer's child, before the loop's first case: the map and prev as
 * afl-fuzz set them before this run, as AFL++'s own loop does. What ran before (the program's start,
 * main reading the case) would otherwise count in the first case's map only, and afl-fuzz would see
 * one input give two maps.
 */
__attribute__((used)) void ykrw_afl_persistent_begin(void) {
    memset((void *)ykrw_afl_area, 0, ykrw_afl_map_size);
    afl_clear_prev();
}

/*
 * --afl-persistent, between two test cases in a fuzzer's child: stop until the fuzzer wants the next
 * case (it resumes us with SIGCONT), read it, and return; after AFL_PERSISTENT_RUNS cases, exit so the
 * server forks a fresh child.
 */
__attribute__((used)) void ykrw_afl_persistent_next(void) {
    static uint32_t runs;
    static long self; /* this child's pid: it never forks again, and a syscall less per test case */
    if (++runs >= AFL_PERSISTENT_RUNS) sys3(SYS_EXIT_GROUP, 0, 0, 0);
    if (!self) self = sys3(SYS_GETPID, 0, 0, 0);
    sys3(SYS_KILL, self, SIGSTOP, 0);
    afl_clear_prev();
    afl_next_input();
}

/* ---- start-up ---- */
static void start(char **envp, uint64_t *auxv) {
    set_early_thread_pointer();
    for (uint64_t *aux = auxv; aux && aux[0]; aux += 2)
        if (aux[0] == 26 /* AT_HWCAP2 */ && (aux[1] & 2) /* HWCAP2_FSGSBASE */) have_fsgsbase = 1;
    long pid = sys3(SYS_GETPID, 0, 0, 0);
    uint32_t flags = ykrw_config.flags;
    ykrw_tracer_bias = (flags & FLAG_TRACER_SLOT) ? 0 : bias();
    envp = runtime_environment(envp, auxv);
    coverage_dir = env(envp, "YKRW_COVERAGE_DIR");
    trace_dir = env(envp, "YKRW_TRACE_DIR");
    quiet = env_switch(envp, "YKRW_QUIET", " is not on, off, 1, 0, true or false: ignored") == 1;
    protect_moved_relro();
    if (flags & FLAG_ONCE) alias_code();
    if (flags & FLAG_RUN_FILE) start_run_file(pid, 0);
    if (flags & FLAG_TRACE_FILE) {
        /* a run that never traces leaves no file: --toggle's sleds, --abi yk's bytes start off */
        if (((flags & FLAG_TOGGLE) && ykrw_config.site_count) || (flags & FLAG_THREAD_STATE)) trace_file_waiting = 1;
        else start_trace_file(pid, 0);
    }
    if (ykrw_atfork && (flags & (FLAG_RUN_FILE | FLAG_TRACE_FILE))) {
        typedef int (*atfork_fn)(void (*)(void), void (*)(void), void (*)(void));
        ((atfork_fn)ykrw_atfork)(0, 0, after_fork_in_child);
    }
    if (ykrw_config.tracer && !ykrw_xsave_frame) ykrw_xsave_configure();
    const char *info = env(envp, "YKRW_RUNTIME_INFO");
    if (info && info[0] == '1') report_cpu_choices();
    if (flags & FLAG_TOGGLE) {
        int want = env_switch(envp, "YKRW_TRACE", (flags & FLAG_TRACE_DEFAULT_ON)
            ? " is not on, off, 1, 0, true or false: ignored, tracing starts on (instrument --toggle-start)"
            : " is not on, off, 1, 0, true or false: ignored, tracing starts off (instrument --toggle-start)");
        int on = want >= 0 ? want : (flags & FLAG_TRACE_DEFAULT_ON) != 0;
        if (on) set_all_sites(1);
        else trace_state = 0;
        const char *flip = env(envp, "YKRW_TRACE_FLIP_SIGNAL");
        if (flip) install_flip_signal((long)parse_number(flip, 0));
    }
    start_thread_state(envp);
    if (ykrw_config.strict_count) strict_start();
    if (ykrw_afl_mode) afl_start(envp);
    __atomic_store_n(&started, 1, __ATOMIC_RELEASE);
}

/* An executable's start-up, from its entry point: argc, argv, envp and auxv are on the initial stack. */
__attribute__((used)) uint64_t ykrw_rt_init(uint64_t *initial_stack) {
    uint64_t argc = initial_stack[0];
    char **envp = (char **)(initial_stack + argc + 2);
    if (argc > 1) afl_last_argument = (const char *)initial_stack[argc];
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

    /* --afl-entry: called first thing in the chosen function; starts the fork server once. */
    ".globl ykrw_afl_deferred_stub\n"
    "ykrw_afl_deferred_stub:\n"
    "  push %rax\n"
    "  lea ykrw_afl_deferred_start(%rip), %rax\n"
    "  call ykrw_save_and_call\n"
    "  pop %rax\n"
    "  ret\n"

    /*
     * --afl-persistent: called first thing in f(const uint8_t *buf, size_t len), so [rsp] is f's body.
     * Outside a fuzzer's child, or when f is called again from inside a run, it returns into the body
     * and f runs as called. In a fuzzer's child the first call clears the map (ykrw_afl_persistent_begin,
     * buf and len kept) and runs the body with the caller's own arguments (the program read this case
     * itself), then loops: ykrw_afl_persistent_next waits for and reads the next case, the body runs on
     * it. Entered with rsp = 0 mod 16 (f's entry was 8).
     */
    ".globl ykrw_afl_persistent_stub\n"
    "ykrw_afl_persistent_stub:\n"
    "  cmpl $0, ykrw_afl_looping(%rip)\n"
    "  jne 1f\n"
    "  cmpl $0, ykrw_afl_in_child(%rip)\n"
    "  je 1f\n"
    "  pop %r11\n"
    "  mov %r11, ykrw_afl_body(%rip)\n"
    "  movl $1, ykrw_afl_looping(%rip)\n"
    "  push %rdi\n push %rsi\n"
    "  sub $8, %rsp\n"
    "  call ykrw_afl_persistent_begin\n"
    "  add $8, %rsp\n"
    "  pop %rsi\n pop %rdi\n"
    "  sub $8, %rsp\n"
    "  call *ykrw_afl_body(%rip)\n"
    "2:\n"
    "  call ykrw_afl_persistent_next\n"
    "  mov ykrw_afl_input(%rip), %rdi\n"
    "  mov ykrw_afl_input_len(%rip), %rsi\n"
    "  call *ykrw_afl_body(%rip)\n"
    "  jmp 2b\n"
    "1:\n"
    "  ret\n"

    /*
     * --abi yk's __yk_trace_basicblock_wrapper when the program has none: edi = fn << 16 | bb. It keeps
     * every register but rdi (the probe saves that) and the flags (the probe saves them where live):
     * it records the block like the embedded recorder's probes (its probe number is the function's
     * first, from ykrw_yk_region's table, plus bb), or calls the program's tracer.
     */
    ".globl ykrw_yk_wrapper\n"
    "ykrw_yk_wrapper:\n"
    "  cmpq $0, ykrw_yk_region(%rip)\n"
    "  jne 2f\n"
    "  testl $256, ykrw_config+80(%rip)\n"
    "  jz ykrw_tracer_stub\n"
    "  jmp *ykrw_config+64(%rip)\n" /* the library's wrapper, preserve-all itself */
    "2:\n"
    "  push %rax\n push %rdx\n"
    "  mov %edi, %eax\n"
    "  shr $16, %eax\n"
    "  mov ykrw_yk_region(%rip), %rdx\n"
    "  mov (%rdx,%rax,4), %eax\n"
    "  movzwl %di, %edi\n"
    "  lea 1(%rax,%rdi), %edi\n"
    "  mov ykrw_yk_cursor(%rip), %rdx\n"
    "  mov $-4, %rax\n"
    "  xadd %rax, %fs:(%rdx)\n"
    "  test $0xffff, %eax\n" /* a window is 64 KiB (TracePass.WINDOW_BYTES) */
    "  jnz 1f\n"
    "  lea ykrw_trace_refill(%rip), %rax\n"
    "  call ykrw_save_and_call\n"
    "1:\n"
    "  mov %edi, -4(%rax)\n"
    "  pop %rdx\n pop %rax\n"
    "  ret\n"
    "\n"
    /* The trace recorder's slow path: rax = the cursor to write below (the probe saved rax). */
    ".globl ykrw_trace_refill_stub\n"
    "ykrw_trace_refill_stub:\n"
    "  lea ykrw_trace_refill(%rip), %rax\n"
    "  call ykrw_save_and_call\n"
    "  ret\n"

    /* A shared library's recorder: eax = probe number + 1 (the probe saved rax). */
    ".globl ykrw_trace_record_stub\n"
    "ykrw_trace_record_stub:\n"
    "  push %rdi\n"
    "  mov %eax, %edi\n"
    "  lea ykrw_trace_record(%rip), %rax\n"
    "  call ykrw_save_and_call\n"
    "  pop %rdi\n"
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
     * A probe that saved what the tracer may clobber (the flags included) calls here with the
     * arguments in rdi and rsi and rsp aligned: once armed, straight on to the tracer. Before that
     * (start-up not run, no thread pointer yet) ykrw_tracer_arm decides, with every register the C
     * code may touch saved, and the block goes untraced while it says no.
     */
    ".globl ykrw_tracer_direct\n"
    "ykrw_tracer_direct:\n"
    "  cmpq $0, ykrw_tracer_target(%rip)\n"
    "  je 1f\n"
    "  jmp *ykrw_tracer_target(%rip)\n"
    "1:\n"
    "  push %rax\n"
    "  lea ykrw_tracer_arm(%rip), %rax\n"
    "  call ykrw_save_and_call\n"
    "  pop %rax\n"
    "  cmpq $0, ykrw_tracer_target(%rip)\n"
    "  je 2f\n"
    "  jmp *ykrw_tracer_target(%rip)\n"
    "2:\n"
    "  ret\n"

    /*
     * Calls the program's own tracing function (it may use any register, vector ones included, as
     * the ABI allows): every caller-saved general register, the flags and the extended state are
     * kept. The save area is sized and the instruction chosen from CPUID (ykrw_xsave_configure);
     * the header is zeroed first, as XRSTOR of a standard-format area requires.
     */
    ".globl ykrw_tracer_stub\n"
    "ykrw_tracer_stub:\n"
    "  pushfq\n"
    "  push %rax\n push %rcx\n push %rdx\n push %rsi\n push %rdi\n push %r8\n push %r9\n push %r10\n push %r11\n"
    "  push %rbp\n"
    "  mov %rsp, %rbp\n"
    "  cmpq $0, ykrw_xsave_frame(%rip)\n"
    "  jne 2f\n"
    "  and $-16, %rsp\n"
    "  call ykrw_xsave_configure\n"
    "  mov %rbp, %rsp\n"
    "2:\n"
    "  sub ykrw_xsave_frame(%rip), %rsp\n"
    "  and $-64, %rsp\n"
    "  xor %eax, %eax\n"
    "  mov %rax, 512(%rsp)\n mov %rax, 520(%rsp)\n mov %rax, 528(%rsp)\n mov %rax, 536(%rsp)\n"
    "  mov %rax, 544(%rsp)\n mov %rax, 552(%rsp)\n mov %rax, 560(%rsp)\n mov %rax, 568(%rsp)\n"
    "  mov ykrw_xsave_mask(%rip), %eax\n mov ykrw_xsave_mask+4(%rip), %edx\n"
    "  cmpl $4, ykrw_xsave_kind(%rip)\n"
    "  jne 3f\n"
    "  xsavec (%rsp)\n"
    "  jmp 6f\n"
    "3:\n"
    "  cmpl $3, ykrw_xsave_kind(%rip)\n"
    "  jne 4f\n"
    "  xsaveopt (%rsp)\n"
    "  jmp 6f\n"
    "4:\n"
    "  cmpl $2, ykrw_xsave_kind(%rip)\n"
    "  jne 5f\n"
    "  xsave (%rsp)\n"
    "  jmp 6f\n"
    "5:\n"
    "  fxsave (%rsp)\n"
    "6:\n"
    "  call ykrw_tracer_enter\n"
    "  test %eax, %eax\n"
    "  jz 1f\n"
    "  mov 40(%rbp), %rdi\n mov 48(%rbp), %rsi\n" /* the arguments, as the probe set them */
    "  mov ykrw_config+64(%rip), %rax\n"
    "  add ykrw_tracer_bias(%rip), %rax\n"
    "  call *%rax\n"
    "  call ykrw_tracer_leave\n"
    "1:\n"
    "  mov ykrw_xsave_mask(%rip), %eax\n mov ykrw_xsave_mask+4(%rip), %edx\n"
    "  cmpl $1, ykrw_xsave_kind(%rip)\n"
    "  je 7f\n"
    "  xrstor (%rsp)\n"
    "  jmp 8f\n"
    "7:\n"
    "  fxrstor (%rsp)\n"
    "8:\n"
    "  mov %rbp, %rsp\n"
    "  pop %rbp\n"
    "  pop %r11\n pop %r10\n pop %r9\n pop %r8\n pop %rdi\n pop %rsi\n pop %rdx\n pop %rcx\n pop %rax\n"
    "  popfq\n"
    "  ret\n");
