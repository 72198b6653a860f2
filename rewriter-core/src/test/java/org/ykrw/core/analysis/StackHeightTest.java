package org.ykrw.core.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.ir.SkipReason;
import org.ykrw.core.ir.UnresolvedJump;

/**
 * Unresolved indirect jumps judged by the stack height at the jump (issue 12): only one made with the
 * stack pointer at its entry value (or through one fixed memory slot) can be a tail call; one made with
 * the function's frame on the stack stays inside the function, so it counts as an unresolved jump table
 * and its function stays in place; one whose height is not known counts as a table too, but moves.
 */
class StackHeightTest {
    private static final String ASM = """
            .intel_syntax noprefix
            .text
            .macro fn name
            .globl \\name
            .type \\name, @function
            \\name:
            .endm

            fn t_tail               # a frameless tail call through a loaded pointer
                mov rax, [rdi]
                jmp rax
            .size t_tail, .-t_tail

            fn t_frame              # jumps with rbx still pushed: inside the function
                push rbx
                mov rbx, rsi
                mov rax, [rdi]
                jmp rax
                pop rbx
                ret
            .size t_frame, .-t_frame

            fn t_leave              # frame torn down by leave, then a tail call
                push rbp
                mov rbp, rsp
                sub rsp, 32
                mov rax, [rdi]
                leave
                jmp rax
            .size t_leave, .-t_leave

            fn t_slot               # through a fixed slot, with something pushed (the PLT0 shape)
                push qword ptr [rip + slot]
                jmp qword ptr [rip + slot + 8]
            .size t_slot, .-t_slot

            fn t_paths              # the two paths reach the jump at different heights: not known
                test edi, edi
                jz 1f
                push rbx
            1:  mov rax, [rsi]
                jmp rax
            .size t_paths, .-t_paths

            fn t_popped             # pops below its entry (a fragment entered by a jump): not known
                add rsp, 16
                mov rax, [rdi]
                jmp rax
            .size t_popped, .-t_popped

            .data
            slot: .quad 0, 0
            """;

    @TempDir
    static Path dir;
    private static Program program;

    @BeforeAll
    static void build() throws Exception {
        Files.writeString(dir.resolve("t.s"), ASM);
        Files.writeString(dir.resolve("main.c"), "int main(void) { return 0; }\n");
        Path bin = dir.resolve("t");
        org.ykrw.core.testutil.Tools.output("gcc", "-O2", "-o", bin.toString(), dir.resolve("main.c").toString(),
                dir.resolve("t.s").toString());
        program = CfgBuilder.lift(ElfFile.read(bin), LiftOptions.defaults());
    }

    private static UnresolvedJump jump(String name) {
        Function f = program.functionByName(name).orElseThrow();
        List<UnresolvedJump> u = program.unresolvedJumps().stream().filter(j -> j.function() == f).toList();
        assertEquals(1, u.size(), name + ": " + u);
        return u.get(0);
    }

    @Test
    void tailCallsAtEntryHeightAreNotTables() {
        for (String name : List.of("t_tail", "t_leave", "t_slot")) {
            UnresolvedJump u = jump(name);
            assertTrue(u.provableTailCall(), name);
            assertFalse(u.mayBeTable(), name);
            assertNull(u.function().skipReason(), name + " moves");
        }
    }

    @Test
    void aJumpWithTheFrameOnTheStackKeepsItsFunctionInPlace() {
        UnresolvedJump u = jump("t_frame");
        assertTrue(u.mayBeTable());
        assertTrue(u.insideFrame());
        assertEquals(SkipReason.UNRESOLVED_INDIRECT_JUMP, u.function().skipReason());
    }

    @Test
    void unknownHeightsCountAsTablesButMove() {
        for (String name : List.of("t_paths", "t_popped")) {
            UnresolvedJump u = jump(name);
            assertTrue(u.mayBeTable(), name);
            assertFalse(u.insideFrame(), name);
            assertNull(u.function().skipReason(), name + " moves");
        }
        long counted = program.unresolvedJumps().stream().filter(UnresolvedJump::mayBeTable).count();
        assertEquals(counted, program.stats().unresolvedJumpTables(), "stats count every jump that may be a table");
        assertTrue(counted >= 3);
    }
}
