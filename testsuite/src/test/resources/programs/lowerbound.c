/*
 * A jump table whose index is bounded below as well as above (issue 12, found in node): gcc's
 *     cmp edi, 7; ja D; cmp edi, 3; jbe L; lea eax, [rdi-4]; cmp eax, 3; ja D; jmp [T + rax*8]
 * (V8's regexp parser has the same with 0x7d, 0x23 and 0x24). On the way to the jump, `cmp edi, 3;
 * jbe L` falls through, so it says edi > 3, a lower bound. Read as edi <= 3 (4 slots of a table
 * indexed by edi, at T - 32), it made the 4 slots before T, which are another function's table
 * here as in node (with an FDE each, so that the slots' targets count as code), this jump's table:
 * that function's targets were taken for this one's, and the real cases were never lifted (strict
 * mode trapped in them). dispatch() and other() each print which case ran, for inputs 0 to 9.
 */
#include <stdio.h>

long other(unsigned x);
long dispatch(unsigned c);

__asm__(
    "  .text\n"
    "  .globl other\n"
    "  .type other, @function\n"
    "other:\n"
    "  .cfi_startproc\n"
    "  cmp $3, %edi\n"
    "  ja .Lother_default\n"
    "  mov %edi, %eax\n"
    "  jmp *other_table(,%rax,8)\n"
    ".Lother0: mov $100, %eax\n  ret\n"
    ".Lother1: mov $101, %eax\n  ret\n"
    ".Lother2: mov $102, %eax\n  ret\n"
    ".Lother3: mov $103, %eax\n  ret\n"
    ".Lother_default: xor %eax, %eax\n  ret\n"
    "  .cfi_endproc\n"
    "  .size other, .-other\n"
    "  .globl dispatch\n"
    "  .type dispatch, @function\n"
    "dispatch:\n"
    "  .cfi_startproc\n"
    "  cmp $7, %edi\n"
    "  ja .Ldispatch_high\n"
    "  cmp $3, %edi\n"
    "  jbe .Ldispatch_low\n"
    "  lea -4(%rdi), %eax\n"
    "  cmp $3, %eax\n"
    "  ja .Ldispatch_high\n"
    "  jmp *dispatch_table(,%rax,8)\n"
    ".Ldispatch4: mov $4, %eax\n  ret\n"
    ".Ldispatch5: mov $5, %eax\n  ret\n"
    ".Ldispatch6: mov $6, %eax\n  ret\n"
    ".Ldispatch7: mov $7, %eax\n  ret\n"
    ".Ldispatch_low: mov $-1, %rax\n  ret\n"
    ".Ldispatch_high: mov $-2, %rax\n  ret\n"
    "  .cfi_endproc\n"
    "  .size dispatch, .-dispatch\n"
    "  .section .rodata\n"
    "  .balign 8\n"
    "  .globl other_table, dispatch_table\n"
    "other_table: .quad .Lother0, .Lother1, .Lother2, .Lother3\n"
    "dispatch_table: .quad .Ldispatch4, .Ldispatch5, .Ldispatch6, .Ldispatch7\n"
    "  .text\n");

int main(void) {
    for (unsigned i = 0; i < 10; i++) {
        printf("%u: dispatch %ld, other %ld\n", i, dispatch(i), other(i));
    }
    return 0;
}
