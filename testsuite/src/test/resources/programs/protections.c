/*
 * Prints the memory protections the program has while it runs, after doing some work (so that
 * self-removing probes have removed themselves): any mapping both writable and executable, whether
 * the main object's RELRO range and its dynamic section are read-only, whether the stack is
 * executable. A rewritten copy must print what the original prints.
 */
#define _GNU_SOURCE
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct range { unsigned long lo, hi; };
static struct range relro, dynamic;
static int stack_flags = -1;

static int main_object(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        unsigned long lo = info->dlpi_addr + p->p_vaddr;
        if (p->p_type == PT_GNU_RELRO) relro = (struct range){lo, lo + p->p_memsz};
        if (p->p_type == PT_DYNAMIC) dynamic = (struct range){lo, lo + p->p_memsz};
        if (p->p_type == PT_GNU_STACK) stack_flags = (int)p->p_flags;
    }
    return 1; /* the first object is the program */
}

/* "yes" when every page of [lo, hi) lies in a mapping without write permission. */
static const char *read_only(struct range r) {
    if (r.hi <= r.lo) return "none";
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096];
    unsigned long page = r.lo & ~4095UL;
    int ok = 1;
    while (page < r.hi && ok) {
        int found = 0;
        rewind(maps);
        while (fgets(line, sizeof line, maps)) {
            unsigned long lo, hi;
            char perms[8];
            if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && page >= lo && page < hi) {
                found = 1;
                if (perms[1] == 'w') ok = 0;
            }
        }
        if (!found) ok = 0;
        page += 4096;
    }
    fclose(maps);
    return ok ? "yes" : "no";
}

static int writable_and_executable(void) {
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, maps)) {
        char perms[8];
        if (sscanf(line, "%*lx-%*lx %7s", perms) == 1 && perms[1] == 'w' && perms[2] == 'x') {
            fprintf(stderr, "writable and executable: %s", line);
            n++;
        }
    }
    fclose(maps);
    return n;
}

static const char *stack_executable(void) {
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096];
    const char *answer = "unknown";
    while (fgets(line, sizeof line, maps)) {
        char perms[8];
        if (strstr(line, "[stack]") && sscanf(line, "%*lx-%*lx %7s", perms) == 1) answer = perms[2] == 'x' ? "yes" : "no";
    }
    fclose(maps);
    return answer;
}

/* The tracing function of the trace and toggle modes. */
volatile unsigned long traced_blocks;
__attribute__((noinline, used)) void protections_tracer(size_t fn, size_t bb) {
    (void)fn;
    (void)bb;
    traced_blocks++;
}

__attribute__((noinline)) static long work(int n) {
    long acc = 0;
    for (int i = 0; i < n; i++) acc += (i % 3 == 0) ? i * 2 : (i % 5 == 0 ? -i : 1);
    return acc;
}

int main(int argc, char **argv) {
    (void)argv;
    printf("work %ld\n", work(1000 + argc));
    dl_iterate_phdr(main_object, NULL);
    printf("writable and executable mappings: %d\n", writable_and_executable());
    printf("relro read-only: %s\n", read_only(relro));
    printf("dynamic read-only: %s\n", read_only(dynamic));
    printf("PT_GNU_STACK executable: %s\n", stack_flags < 0 ? "none" : (stack_flags & PF_X) ? "yes" : "no");
    printf("stack mapping executable: %s\n", stack_executable());
    return 0;
}
