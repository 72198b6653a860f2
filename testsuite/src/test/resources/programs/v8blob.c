/*
 * A stand-in for a V8 embedder such as node (issue 12, section 4): a blob of "builtins" in .text,
 * from v8_Default_embedded_blob_code_ for v8_Default_embedded_blob_code_size_ bytes, named as V8's
 * embedded-file writer names them (Builtins_*, FUNC symbols), which the C "runtime" finds only by
 * address, as V8 does:
 *   - it calls a builtin at the blob's start plus the offset a table in .rodata records (V8 keeps
 *     these offsets in v8_Default_embedded_blob_data_);
 *   - a C function that builtins call back counts how many of its callers' return addresses lie
 *     inside the blob (V8's stack walker takes a frame for a builtin's by that test).
 * It prints the counts and exits 1 when a callback came from anywhere else. Moved builtins fail
 * both ways: the call by offset lands on an entry jump (int3 in strict mode) and the callbacks
 * return into ykrw's new code. A short function right after the blob tempts the entry jumps to use
 * the blob's padding. The program also exports V8's accessor of the blob,
 * v8::internal::Isolate::embedded_blob_code() (built with -rdynamic), by which a stripped copy is
 * still recognised as a V8 embedder.
 */
#include <stdint.h>
#include <stdio.h>

__asm__(
    "  .text\n"
    "  .balign 64\n"
    "v8_Default_embedded_blob_code_:\n"
    /* long Builtins_CallBack(long (*f)(long), long x): return f(x) */
    "  .type Builtins_CallBack, @function\n"
    "Builtins_CallBack:\n"
    "  push %rbx\n"
    "  mov %rdi, %rbx\n"
    "  mov %rsi, %rdi\n"
    "  call *%rbx\n"
    "  pop %rbx\n"
    "  ret\n"
    "  .size Builtins_CallBack, .-Builtins_CallBack\n"
    "  .balign 32, 0xcc\n"
    /* long Builtins_CallTwice(long (*f)(long), long x): return f(x) + f(x + 1), through Builtins_CallBack */
    "  .type Builtins_CallTwice, @function\n"
    "Builtins_CallTwice:\n"
    "  push %rbx\n"
    "  push %r12\n"
    "  push %r13\n"
    "  mov %rdi, %rbx\n"
    "  mov %rsi, %r12\n"
    "  call Builtins_CallBack\n"
    "  mov %rax, %r13\n"
    "  mov %rbx, %rdi\n"
    "  lea 1(%r12), %rsi\n"
    "  call Builtins_CallBack\n"
    "  add %r13, %rax\n"
    "  pop %r13\n"
    "  pop %r12\n"
    "  pop %rbx\n"
    "  ret\n"
    "  .size Builtins_CallTwice, .-Builtins_CallTwice\n"
    "  .balign 32, 0xcc\n"
    "v8blob_end:\n"
    /* A 3-byte function right after the blob, packed against the next: too short for the 5-byte entry
       jump, it is entered by a short jump to a 5-byte slot of fill nearby; the nearest is the int3
       padding at the blob's end, which must stay as it is. */
    "  .globl tiny\n"
    "  .type tiny, @function\n"
    "tiny:\n"
    "  xor %eax, %eax\n"
    "  ret\n"
    "  .size tiny, .-tiny\n"
    "  .globl after_tiny\n"
    "  .type after_tiny, @function\n"
    "after_tiny:\n"
    "  mov $7, %eax\n"
    "  ret\n"
    "  .size after_tiny, .-after_tiny\n"
    "  .section .rodata\n"
    "  .balign 4\n"
    "v8_Default_embedded_blob_code_size_:\n"
    "  .long v8blob_end - v8_Default_embedded_blob_code_\n"
    "v8blob_offsets:\n"
    "  .long Builtins_CallBack - v8_Default_embedded_blob_code_\n"
    "  .long Builtins_CallTwice - v8_Default_embedded_blob_code_\n"
    "  .text\n");

extern const unsigned char v8_Default_embedded_blob_code_[] __attribute__((visibility("hidden")));
extern const uint32_t v8_Default_embedded_blob_code_size_ __attribute__((visibility("hidden")));
extern const uint32_t v8blob_offsets[2] __attribute__((visibility("hidden")));

/* v8::internal::Isolate::embedded_blob_code() const, exported as node exports it */
__attribute__((noinline, used)) const unsigned char *_ZNK2v88internal7Isolate18embedded_blob_codeEv(void) {
    return v8_Default_embedded_blob_code_;
}

static int from_builtins, from_elsewhere;

__attribute__((noinline)) static long callback(long x) {
    uintptr_t pc = (uintptr_t) __builtin_return_address(0);
    uintptr_t start = (uintptr_t) _ZNK2v88internal7Isolate18embedded_blob_codeEv();
    if (pc >= start && pc < start + v8_Default_embedded_blob_code_size_) {
        from_builtins++;
    } else {
        from_elsewhere++;
    }
    return 2 * x;
}

typedef long (*builtin)(long (*)(long), long);
long tiny(void);
long after_tiny(void);

int main(int argc, char **argv) {
    (void) argv;
    const unsigned char *blob = _ZNK2v88internal7Isolate18embedded_blob_codeEv();
    builtin call_back = (builtin) (blob + v8blob_offsets[0]);
    builtin call_twice = (builtin) (blob + v8blob_offsets[1]);
    long r = call_back(callback, 20) + call_twice(callback, argc) + tiny() + after_tiny();
    printf("result %ld; callbacks from builtin frames %d, from elsewhere %d\n", r, from_builtins, from_elsewhere);
    return from_elsewhere != 0;
}
