/*
 * Two shapes of clang -O2 code in lua 5.4 that left their functions in place, written out in
 * assembly so that they do not depend on a compiler's register allocation:
 *
 * vm(), luaV_execute's computed-goto dispatch: the table's address is loaded into r14 once, before
 * the loop (`lea r14, [rip+T]`), 300 instructions before the first `jmp [r14 + rax*8]`, further back
 * than the nearest-definition search looks; and one handler parks it in rbp to use r14 for something
 * else (`mov rbp, r14` ... `mov r14, rbp`), so not every definition of r14 reaching a jump is that lea.
 * The index is masked to 3 bits and never compared, for a table of 4 slots (in .data.rel.ro: RELATIVE
 * relocations in a PIE) that ends at the null slot after them, as lua's 83 labels under a 7-bit mask.
 *
 * pick(), str_pack's switch on a call's result: rax holds a constant before `call kind`, and the
 * index is copied from the result (`mov ebx, eax; cmp ebx, 3; ja D; mov eax, ebx`). Searching back
 * for rax's definition from `mov ebx, eax` must stop at the call, not go on to the constant.
 *
 * guess(), a computed goto on a call's result with a compare of rax before the call, on another
 * value (`cmp eax, 1; ja D; call kind; lea rcx, [rip+T]; jmp [rcx + rax*8]`): that compare does not
 * bound the index, and nothing else does, so the jump stays unresolved. Read as a bound, it made a table of 2 slots of the
 * 5, and kind()'s results 2 to 4 ran the old code.
 */
#include <stdio.h>
#include <stdlib.h>

long vm(const unsigned char *code);
long pick(long x);
long guess(long x);

__attribute__((noinline)) long mix(long acc) { return acc * 3 + 1; }
__attribute__((noinline)) int kind(long x) { return (int) (x % 5); }

__asm__(
    "  .text\n"
    "  .globl vm\n"
    "  .type vm, @function\n"
    "vm:\n"
    "  .cfi_startproc\n"
    "  push %rbp\n  .cfi_adjust_cfa_offset 8\n  .cfi_offset %rbp, -16\n"
    "  push %r14\n  .cfi_adjust_cfa_offset 8\n  .cfi_offset %r14, -24\n"
    "  push %r12\n  .cfi_adjust_cfa_offset 8\n  .cfi_offset %r12, -32\n"
    "  push %rbx\n  .cfi_adjust_cfa_offset 8\n  .cfi_offset %rbx, -40\n"
    "  mov %rdi, %rbx\n"                    /* pc */
    "  xor %r12d, %r12d\n"                  /* acc */
    "  lea vm_table(%rip), %r14\n"
    "  .rept 300\n  add $1, %r12\n  .endr\n"
    "  movzbl (%rbx), %eax\n  add $1, %rbx\n  and $7, %eax\n  jmp *(%r14,%rax,8)\n"
    ".Lvm_add:\n"                            /* acc += next byte */
    "  movzbl (%rbx), %ecx\n  add $1, %rbx\n  add %rcx, %r12\n"
    "  movzbl (%rbx), %eax\n  add $1, %rbx\n  and $7, %eax\n  jmp *(%r14,%rax,8)\n"
    ".Lvm_mix:\n"                            /* acc = mix(acc), a call: r14 survives it */
    "  mov %r12, %rdi\n  call mix\n  mov %rax, %r12\n"
    "  movzbl (%rbx), %eax\n  add $1, %rbx\n  and $7, %eax\n  jmp *(%r14,%rax,8)\n"
    ".Lvm_bonus:\n"                          /* acc += bonus, r14 lent out meanwhile */
    "  mov %r14, %rbp\n  lea bonus(%rip), %r14\n  add (%r14), %r12\n  mov %rbp, %r14\n"
    "  movzbl (%rbx), %eax\n  add $1, %rbx\n  and $7, %eax\n  jmp *(%r14,%rax,8)\n"
    ".Lvm_halt:\n"
    "  mov %r12, %rax\n"
    "  pop %rbx\n  .cfi_adjust_cfa_offset -8\n"
    "  pop %r12\n  .cfi_adjust_cfa_offset -8\n"
    "  pop %r14\n  .cfi_adjust_cfa_offset -8\n"
    "  pop %rbp\n  .cfi_adjust_cfa_offset -8\n"
    "  ret\n"
    "  .cfi_endproc\n"
    "  .size vm, .-vm\n"
    "  .globl pick\n"
    "  .type pick, @function\n"
    "pick:\n"
    "  .cfi_startproc\n"
    "  push %rbx\n  .cfi_adjust_cfa_offset 8\n  .cfi_offset %rbx, -16\n"
    "  movabs $0x100000001, %rax\n"
    "  mov %rax, %rsi\n"
    "  call kind\n"
    "  mov %eax, %ebx\n"
    "  cmp $3, %ebx\n"
    "  ja .Lpick_default\n"
    "  mov %ebx, %eax\n"
    "  lea pick_table(%rip), %rcx\n"
    "  movslq (%rcx,%rax,4), %rax\n"
    "  add %rcx, %rax\n"
    "  jmp *%rax\n"
    ".Lpick0: mov $10, %eax\n  jmp .Lpick_out\n"
    ".Lpick1: mov $11, %eax\n  jmp .Lpick_out\n"
    ".Lpick2: mov $12, %eax\n  jmp .Lpick_out\n"
    ".Lpick3: mov $13, %eax\n  jmp .Lpick_out\n"
    ".Lpick_default: mov $-1, %rax\n"
    ".Lpick_out:\n"
    "  pop %rbx\n  .cfi_adjust_cfa_offset -8\n"
    "  ret\n"
    "  .cfi_endproc\n"
    "  .size pick, .-pick\n"
    "  .globl guess\n"
    "  .type guess, @function\n"
    "guess:\n"
    "  .cfi_startproc\n"
    "  sub $8, %rsp\n  .cfi_adjust_cfa_offset 8\n"
    "  mov %edi, %eax\n"
    "  shr $8, %eax\n"
    "  cmp $1, %eax\n"
    "  ja .Lguess_out\n"
    "  call kind\n"
    "  lea guess_table(%rip), %rcx\n"
    "  jmp *(%rcx,%rax,8)\n"
    ".Lguess0: mov $20, %eax\n  jmp .Lguess_out\n"
    ".Lguess1: mov $21, %eax\n  jmp .Lguess_out\n"
    ".Lguess2: mov $22, %eax\n  jmp .Lguess_out\n"
    ".Lguess3: mov $23, %eax\n  jmp .Lguess_out\n"
    ".Lguess4: mov $24, %eax\n"
    ".Lguess_out:\n"
    "  add $8, %rsp\n  .cfi_adjust_cfa_offset -8\n"
    "  ret\n"
    "  .cfi_endproc\n"
    "  .size guess, .-guess\n"
    "  .section .rodata\n"
    "  .balign 8\n"
    "bonus: .quad 1000\n"
    "pick_table: .long .Lpick0-pick_table, .Lpick1-pick_table, .Lpick2-pick_table, .Lpick3-pick_table\n"
    "  .section .data.rel.ro, \"aw\"\n"
    "  .balign 8\n"
    "vm_table: .quad .Lvm_add, .Lvm_mix, .Lvm_bonus, .Lvm_halt, 0\n"
    "guess_table: .quad .Lguess0, .Lguess1, .Lguess2, .Lguess3, .Lguess4\n"
    "  .text\n");

int main(int argc, char **argv) {
    /* add 5, mix, bonus, add 7, mix, bonus, mix, halt; argv[1] repeats the first part */
    static const unsigned char head[] = {0, 5, 1, 2, 0, 7, 1, 2};
    unsigned char code[256];
    int n = argc > 1 ? atoi(argv[1]) : 3, len = 0;
    for (int r = 0; r < n && len + 9 < (int) sizeof code; r++) {
        for (unsigned i = 0; i < sizeof head; i++) {
            code[len++] = head[i];
        }
    }
    code[len++] = 1;
    code[len++] = 3;
    printf("vm %ld\n", vm(code));
    for (long x = 0; x < 7; x++) {
        printf("pick(%ld) %ld, guess(%ld) %ld\n", x, pick(x), x, guess(x));
    }
    return 0;
}
