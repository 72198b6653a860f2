package org.ykrw.core.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.ir.Program;
import org.ykrw.core.testutil.Assembled;
import org.ykrw.core.x86.Reg;

/**
 * Clobber summaries of hand-written functions in a shared library (the shape of a --trace-lib
 * tracer), lifted as the CLI lifts one: what each may change is known from its instructions. The
 * functions are hidden, so calls between them are direct (a call of an exported one goes through the
 * PLT: it may be interposed, and counts as unknown code).
 */
class ClobbersTest {
    private static final String ASM = """
            .intel_syntax noprefix
            .text
            .macro fn name
            .globl \\name
            .hidden \\name
            .type \\name, @function
            \\name:
            .endm

            fn c_leaf               # rax and r8; rbx is callee-saved (pushed and popped): not reported
                push rbx
                mov rbx, rdi
                lea rax, [rbx + rsi]
                mov r8d, 1
                pop rbx
                ret
            .size c_leaf, .-c_leaf

            fn c_caller             # its own rcx and what c_leaf changes
                mov ecx, 2
                call c_leaf
                ret
            .size c_caller, .-c_caller

            fn c_tail               # a jump to c_leaf is a call of it
                xor r9d, r9d
                jmp c_leaf
            .size c_tail, .-c_tail

            fn c_vector             # an aligned vector load: xmm3 changes, rsp alignment matters
                movaps xmm3, [rdi]
                ret
            .size c_vector, .-c_vector

            fn c_vector_regs        # vector registers only: xmm2 changes, alignment does not matter
                pxor xmm2, xmm2
                ret
            .size c_vector_regs, .-c_vector_regs

            fn c_string             # rep stosb writes rdi and rcx behind capstone's operands
                rep stosb
                ret
            .size c_string, .-c_string

            fn c_x87
                fld1
                fstp st(0)
                ret
            .size c_x87, .-c_x87

            fn c_indirect
                call [rdi]
                ret
            .size c_indirect, .-c_indirect

            fn c_plt
                call puts@PLT
                ret
            .size c_plt, .-c_plt

            fn c_syscall
                mov eax, 39
                syscall
                ret
            .size c_syscall, .-c_syscall
            """;

    @TempDir
    static Path dir;
    private static Program lib;

    @BeforeAll
    static void build() throws Exception {
        lib = Assembled.lift(dir, "libc_test.so", ASM, "-shared", "-nostartfiles");
    }

    private static Clobbers of(String name) {
        return Clobbers.of(lib, lib.functionByName(name).orElseThrow(() -> new AssertionError("no " + name)));
    }

    private static long regs(int... rs) {
        long set = Reg.bit(Reg.FLAGS);
        for (int r : rs) {
            set |= Reg.bit(r);
        }
        return set;
    }

    @Test
    void knownCodeChangesWhatItWrites() {
        assertEquals(regs(Reg.RAX, Reg.R8), of("c_leaf").registers(), of("c_leaf").toString());
        assertEquals(regs(Reg.RAX, Reg.RCX, Reg.R8), of("c_caller").registers(), of("c_caller").toString());
        assertEquals(regs(Reg.RAX, Reg.R8, Reg.R9), of("c_tail").registers(), of("c_tail").toString());
        assertFalse(of("c_leaf").needsAlignedStack());
        assertFalse(of("c_leaf").touchesUntracked());
        assertFalse(of("c_leaf").reachesUnknownCode());
    }

    @Test
    void vectorRegistersAndAlignment() {
        assertEquals(regs(Reg.VEC0 + 3), of("c_vector").registers());
        assertTrue(of("c_vector").needsAlignedStack());
        assertEquals(regs(Reg.VEC0 + 2), of("c_vector_regs").registers());
        assertFalse(of("c_vector_regs").needsAlignedStack());
    }

    @Test
    void implicitWritesAndUntrackedState() {
        long s = of("c_string").registers();
        assertTrue((s & Reg.bit(Reg.RDI)) != 0 && (s & Reg.bit(Reg.RCX)) != 0, Liveness.format(s));
        assertTrue(of("c_x87").touchesUntracked());
        assertTrue(of("c_x87").needsAlignedStack());
    }

    @Test
    void unknownCodeMayChangeEveryCallerSavedRegister() {
        for (String f : new String[] {"c_indirect", "c_plt", "c_syscall"}) {
            assertSame(Clobbers.UNKNOWN, of(f), f);
        }
        assertEquals(Reg.CALLER_SAVED_GPRS | Reg.bit(Reg.FLAGS) | Reg.ALL_VECTORS, Clobbers.UNKNOWN.registers());
        assertTrue(Clobbers.UNKNOWN.touchesUntracked() && Clobbers.UNKNOWN.needsAlignedStack());
    }
}
