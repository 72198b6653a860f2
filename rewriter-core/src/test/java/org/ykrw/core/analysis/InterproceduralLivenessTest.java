package org.ykrw.core.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.testutil.Assembled;
import org.ykrw.core.x86.Reg;

/**
 * {@link Liveness.Convention#INTERPROCEDURAL} against SysV on the case that broke lua built by gcc -O2
 * (-fipa-ra): a caller keeps a value in rcx across a call of a function it knows leaves rcx alone.
 */
class InterproceduralLivenessTest {
    private static final String ASM = """
            .intel_syntax noprefix
            .text
            .globl main
            .type main, @function
            main:
                mov ecx, edi
                call leaf           # leaf does not write rcx: the caller reads it after the call
                add eax, ecx
                call via_jump
                add eax, edx        # rdx after a function whose return is reached by a jump
                ret
            .size main, .-main

            .type leaf, @function
            leaf:
                mov eax, 1
                test esi, esi
                jz 1f
                add eax, 2          # a block of the callee: rcx is live here for the caller
            1:  ret
            .size leaf, .-leaf

            .type via_jump, @function
            via_jump:
                xor eax, eax
                jmp tail
            .size via_jump, .-via_jump

            .type tail, @function
            tail:
                inc eax             # returns to main's second call: rdx live here
                ret
            .size tail, .-tail
            """;

    @TempDir
    static Path dir;
    private static Program program;

    @BeforeAll
    static void build() throws Exception {
        program = Assembled.lift(dir, "t", ASM);
    }

    private static Block firstBlockAfter(String name, int k) {
        Function f = program.functionByName(name).orElseThrow();
        return f.blocks().get(k);
    }

    @Test
    void valuesKeptAcrossSeenCallsAreLiveInTheCallee() {
        Liveness sysv = Liveness.of(program);
        Liveness ipa = Liveness.of(program, Liveness.Convention.INTERPROCEDURAL);
        Block leafAdd = firstBlockAfter("leaf", 1);
        assertEquals(0, sysv.liveIn(leafAdd) & Reg.bit(Reg.RCX), "SysV: " + Liveness.format(sysv.liveIn(leafAdd)));
        assertNotEquals(0, ipa.liveIn(leafAdd) & Reg.bit(Reg.RCX), Liveness.format(ipa.liveIn(leafAdd)));
        Block tail = program.functionByName("tail").orElseThrow().entryBlock();
        assertNotEquals(0, ipa.liveIn(tail) & Reg.bit(Reg.RDX), Liveness.format(ipa.liveIn(tail)));
        Block mainEntry = program.functionByName("main").orElseThrow().entryBlock();
        assertNotEquals(0, ipa.liveBefore(mainEntry, 1) & Reg.bit(Reg.RCX), "live across the call of leaf");
        assertEquals(0, ipa.liveIn(mainEntry) & Reg.bit(Reg.RCX), "mov ecx, edi writes it first");
    }
}
