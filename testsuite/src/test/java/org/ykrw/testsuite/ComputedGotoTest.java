package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.Rewriter;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.JumpTable;
import org.ykrw.core.ir.Program;
import org.ykrw.core.layout.FunctionPlacement;
import org.ykrw.core.testutil.Tools;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;

/**
 * Computed-goto interpreters (lua 5.4's luaV_execute, built with clang -O2, stayed in place for an
 * unresolved indirect jump): the interpreter function must be lifted with every dispatch jump resolved
 * to the same label table, move, and run as the original after the null rewrite and under
 * `instrument --counts`, both in strict mode (the old code filled with int3: a label slot left
 * pointing at it would trap). cgoto.c is a small C interpreter; tablebase.c writes out in assembly
 * the two lua shapes a compiler does not reproduce in a small program (a table base kept in a
 * callee-saved register far from its jumps and parked in another around a handler; a switch on a
 * call's result with a constant in rax before the call; a compare before that call, which bounds
 * nothing after it).
 */
class ComputedGotoTest {
    private static final List<String> OPS = List.of("push", "load", "store", "add", "mul", "dec", "jnz", "dup", "drop",
            "print", "halt");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("org.ykrw.testsuite.TestCompiler#compilersAndLinks")
    void interpreterMovesAndCountsItsOpcodes(String cc, String link) throws Exception {
        Path bin = TestCompiler.compile(dir.resolve("cgoto-" + cc + "-" + link), "cgoto.c", cc, link, List.of("-O2"));
        Program p = liftMoving(bin, List.of("run"));
        Function run = p.functionByName("run").orElseThrow();
        List<JumpTable> tables = p.jumpTables().stream().filter(t -> t.function() == run).toList();
        // every dispatch site (gcc keeps a few, clang one per handler) jumps through the one table
        assertTrue(tables.size() >= 2, cc + " " + link + ": dispatch sites " + tables);
        assertEquals(1, tables.stream().map(JumpTable::tableAddress).distinct().count(), tables.toString());
        List<Long> labels = tables.get(0).targets();
        assertEquals(OPS.size(), labels.size(), "the table's 11 labels, cut before the 5 slots the mask allows more");
        for (JumpTable t : tables) {
            assertEquals(labels, t.targets(), String.format("jump at 0x%x", t.jumpAddress()));
        }

        Tools.Result original = Tools.run(List.of(bin.toString()), 30);
        InstrumentedRun rewritten = InstrumentedRun.instrument(bin, List.of(), dir.resolve("rewrite"), true).run(Map.of());
        sameAsOriginal(original, rewritten);
        CoveragePass pass = new CoveragePass(CoveragePass.Mode.COUNTS, BlockFilter.ALL).withPruning(false);
        InstrumentedRun counted = InstrumentedRun.instrument(bin, pass, dir.resolve("counts"), true).run(Map.of());
        sameAsOriginal(original, counted);

        // Ground truth: the interpreter's own count of each opcode. A label's block counts its runs
        // when only the table's jumps enter it (a compiler may also branch to a label's code directly).
        long[] counters = InstrumentedRun.Coverage.read(counted.files(".ykcov").get(0)).counters();
        Map<Long, Long> countAt = new HashMap<>();
        pass.probes().forEach((b, k) -> countAt.put(b.address(), counters[k]));
        Map<String, Long> executed = executedOps(original.stdout());
        List<String> checked = new ArrayList<>();
        for (int op = 0; op < OPS.size(); op++) {
            Block b = p.blockAt(labels.get(op));
            if (b.predecessors().stream().allMatch(e -> e.kind() == EdgeKind.JUMP_TABLE)) {
                assertEquals(executed.get(OPS.get(op)), countAt.get(b.address()), OPS.get(op) + "'s label " + b);
                checked.add(OPS.get(op));
            }
        }
        assertTrue(checked.size() >= OPS.size() - 2, "labels entered only by the table: " + checked);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("org.ykrw.testsuite.TestCompiler#compilersAndLinks")
    void tableBaseInCalleeSavedRegisterAndSwitchOnCallResult(String cc, String link) throws Exception {
        Path bin = TestCompiler.compile(dir.resolve("tablebase-" + cc + "-" + link), "tablebase.c", cc, link,
                List.of("-O2"));
        Program p = liftMoving(bin, List.of("vm", "pick"));
        Function vm = p.functionByName("vm").orElseThrow();
        List<JumpTable> vmTables = p.jumpTables().stream().filter(t -> t.function() == vm).toList();
        assertEquals(4, vmTables.size(), "vm's first dispatch and one per handler but halt: " + vmTables);
        for (JumpTable t : vmTables) {
            assertEquals(4, new TreeSet<>(t.codeTargets()).size(), "vm's four labels, before the null slot: " + t);
        }
        Function pick = p.functionByName("pick").orElseThrow();
        assertEquals(1, p.jumpTables().stream().filter(t -> t.function() == pick && t.entryCount() == 4).count(),
                "pick's table of 4, bounded by `cmp ebx, 3`");
        Function guess = p.functionByName("guess").orElseThrow();
        assertEquals(List.of(), p.jumpTables().stream().filter(t -> t.function() == guess && t.entryCount() != 5).toList(),
                "guess's index is bounded by no compare after the call: its 5 slots or no table");

        for (String arg : List.of("3", "20")) {
            Tools.Result original = Tools.run(List.of(bin.toString(), arg), 30);
            sameAsOriginal(original, InstrumentedRun.instrument(bin, List.of(), dir.resolve("rewrite"), true).run(Map.of(), arg));
            CoveragePass pass = new CoveragePass(CoveragePass.Mode.COUNTS, BlockFilter.ALL);
            sameAsOriginal(original, InstrumentedRun.instrument(bin, pass, dir.resolve("counts"), true).run(Map.of(), arg));
        }
    }

    /** Lifts {@code bin} and checks that the named functions have no unresolved jump and move. */
    private static Program liftMoving(Path bin, List<String> names) {
        ElfFile elf = ElfFile.read(bin);
        Program p = CfgBuilder.lift(elf, LiftOptions.defaults());
        List<FunctionPlacement> placements = Rewriter.placements(elf, p);
        for (String name : names) {
            Function f = p.functionByName(name).orElseThrow(() -> new AssertionError(bin + " has no " + name));
            assertEquals(List.of(), p.unresolvedJumps().stream().filter(u -> u.function() == f).toList(), name);
            FunctionPlacement placed = placements.stream().filter(x -> x.function() == f).findFirst().orElseThrow();
            assertTrue(placed.relocated(), name + " stays in place: " + placed.reason());
        }
        return p;
    }

    private static void sameAsOriginal(Tools.Result original, InstrumentedRun r) {
        assertEquals(original.stdout(), r.stdout, r.binary + ": " + r.stderr);
        assertEquals(original.exit(), r.exit, r.binary + " exit status: " + r.stderr);
    }

    /** @return the opcode counts cgoto.c prints last, one "name count" line each */
    private static Map<String, Long> executedOps(String stdout) {
        Map<String, Long> out = new HashMap<>();
        for (String line : stdout.lines().toList()) {
            String[] w = line.split(" ");
            if (w.length == 2 && OPS.contains(w[0])) {
                out.put(w[0], Long.parseLong(w[1]));
            }
        }
        assertEquals(OPS.size(), out.size(), stdout);
        return out;
    }
}
