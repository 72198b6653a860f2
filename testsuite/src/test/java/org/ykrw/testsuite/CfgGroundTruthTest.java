package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.elf.Section;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;

/**
 * Issue 2's ground truth: lift the STRIPPED copy of every variant and compare with what the
 * unstripped symbol table says: every function found with its exact start and end, every direct
 * branch target a block start, every jump table of the program's own code resolved with all targets.
 */
class CfgGroundTruthTest {
    /**
     * glibc's hand-written clone/clone3 give the child's code an FDE of its own that starts 16-byte
     * aligned right after the parent's syscall. Without symbols that is indistinguishable from
     * strcasecmp running into strcasecmp_l (two real functions), so the stripped lift reports the
     * child as a function of its own and clone ends early. Known and accepted; see the README.
     */
    private static final java.util.Set<String> KNOWN_SPLIT = java.util.Set.of("clone", "__clone", "clone3", "__clone3");

    static List<Variant> variants() {
        return ProgramMatrix.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void strippedCopyMatchesSymbols(Variant v) throws IOException {
        ElfFile full = ElfFile.read(v.binary());
        Program p = CfgBuilder.lift(ElfFile.read(v.stripped()), LiftOptions.defaults());
        Section text = full.section(".text").orElseThrow();
        String source = Files.readString(ProgramMatrix.source(v.program()));

        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (ElfSymbol s : full.symbols()) {
            if (!s.isFunction() || !s.isDefined() || s.size() == 0 || !text.containsAddress(s.value())) {
                continue;
            }
            if (v.link().equals("static") && KNOWN_SPLIT.contains(s.name())) {
                continue;
            }
            checked++;
            Function f = p.functionAt(s.value());
            if (f == null) {
                problems.add(String.format("%s at 0x%x not found", s.name(), s.value()));
            } else if (f.endAddress() != s.value() + s.size()) {
                problems.add(String.format("%s at 0x%x ends at 0x%x, symbol says 0x%x", s.name(), s.value(),
                        f.endAddress(), s.value() + s.size()));
            }
        }
        assertTrue(checked >= 3, "symbols checked: " + checked);
        assertTrue(problems.isEmpty(), v + ": " + problems.size() + " of " + checked + " functions wrong: "
                + problems.subList(0, Math.min(8, problems.size())));

        for (Function f : p.functions()) {
            for (Block b : f.blocks()) {
                for (Insn i : b.instructions()) {
                    boolean branch = i.flow() == FlowKind.JUMP || i.flow() == FlowKind.COND_JUMP;
                    if (branch && p.functionContaining(i.target()) != null && p.blockAt(i.target()) == null) {
                        problems.add(String.format("branch at 0x%x to 0x%x: no block starts there", i.address(), i.target()));
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), v + ": " + problems.subList(0, Math.min(8, problems.size())));

        for (ElfSymbol s : full.symbols()) {
            if (!s.isFunction() || s.size() == 0 || !Pattern.compile("\\b" + Pattern.quote(s.name()) + "\\(").matcher(source).find()) {
                continue;
            }
            Function f = p.functionAt(s.value());
            assertNotNull(f, s.name());
            if (s.name().equals("interpret") && v.compiler().equals("clang") && v.opt().equals("O0")) {
                // clang -O0 sends every `goto *` through one shared `jmp rax` fed by a stack slot that
                // each dispatch site stores to: not resolved. Made with the frame on the stack, it is no tail
                // call, so it counts as an unresolved table and the function stays in place (issue 12: it
                // moved before, and its dispatch ran the old code).
                assertNotNull(f.skipReason(), v + ": interpret stays in place");
                assertTrue(p.unresolvedJumps().stream().anyMatch(u -> u.function() == f && u.mayBeTable()
                        && u.insideFrame()), v + ": interpret's jump counts as a table");
                assertTrue(p.stats().unresolvedJumpTables() >= 1, v + ": stats count it");
                continue;
            }
            for (Block b : f.blocks()) {
                if (b.lastInstruction().flow() == FlowKind.INDIRECT_JUMP) {
                    JumpTable t = p.jumpTables().stream().filter(x -> x.jumpAddress() == b.lastInstruction().address())
                            .findFirst().orElse(null);
                    assertNotNull(t, String.format("%s: indirect jump at 0x%x in %s is not a resolved table", v,
                            b.lastInstruction().address(), s.name()));
                    int minimum = switch (s.name()) {
                        case "classify" -> 12;
                        case "letter_kind" -> 10;
                        case "by_mode" -> 7;
                        case "interpret" -> 9;
                        case "token_kind" -> 20;
                        case "tag_weight" -> 5;
                        default -> 2;
                    };
                    assertTrue(t.entryCount() >= minimum, s.name() + " table has " + t.entryCount() + " entries");
                    for (long target : t.codeTargets()) {
                        assertNotNull(p.blockAt(target), String.format("table target 0x%x is a block", target));
                    }
                }
            }
        }
    }
}
