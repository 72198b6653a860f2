package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.testutil.Tools;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;

/**
 * Functions that only a table of pointers reaches, in code with neither symbols nor unwind tables
 * (busybox's static build, whose applets' mains are called through such a table: its printf, test,
 * wc, head, uniq and sh trapped in strict mode). Missed, such a function is lifted as part of the code
 * before it and moves with it, while the table still calls its old address: old code runs
 * uninstrumented, or traps in strict mode.
 */
class TableOnlyFunctionsTest {
    @TempDir
    Path dir;

    /**
     * A thunk, a function that is only a jump (`jmp printf_main` for an applet sharing printf's main):
     * the jump's target is a function of its own.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("org.ykrw.testsuite.TestCompiler#compilersAndLinks")
    void aThunksTargetIsAFunctionOfItsOwn(String cc, String link) throws Exception {
        Path bin = compileLikeBusybox("thunk.c", "-O2", cc, link);  // the thunk before its target, as written

        Program p = CfgBuilder.lift(ElfFile.read(bin), LiftOptions.defaults());
        List<Function> thunks = p.functions().stream().filter(TableOnlyFunctionsTest::isThunk).toList();
        List<Function> ours = thunks.stream().filter(f -> {
            long target = f.blocks().get(0).instructions().get(0).target();
            // alias_main jumps over its own padding to shout_main, at most a line of code further
            return target > f.entryAddress() && target - f.entryAddress() <= 64;
        }).toList();
        assertTrue(!ours.isEmpty(), cc + " " + link + ": no thunk jumping just past itself among " + thunks);
        for (Function thunk : ours) {
            long target = thunk.blocks().get(0).instructions().get(0).target();
            assertEquals(1, thunk.blocks().size(), thunk + " is only its jump, the code it jumps to is not its own");
            assertTrue(p.functionAt(target) != null, String.format("%s's target 0x%x is a function", thunk, target));
        }

        Map<List<String>, String> runs = Map.of(List.of("0", "busy", "box"), "busy box\n",
                List.of("1", "busy", "box"), "BUSY\nBOX\n", List.of("2", "busy", "box"), "BUSY\nBOX\n");
        runsAsTheOriginalInStrictMode(bin, runs);
    }

    /**
     * With -Os, functions follow one another with no padding: a function whose last instruction calls
     * one that never returns (found only in a gap, like the caller) is followed at once by the next,
     * which a lift that took the callee for returning ran on into (busybox's wc_main after a call of
     * xfunc_die). clang builds that shape from packed.c; gcc places the call elsewhere, and checks the rest.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("org.ykrw.testsuite.TestCompiler#compilersAndLinks")
    void noCodeFollowsACallThatNeverReturns(String cc, String link) throws Exception {
        Path bin = compileLikeBusybox("packed.c", "-Os", cc, link);
        Map<List<String>, String> runs = Map.of(List.of("0", "12", "30"), "42\n", List.of("0", "12", "x"), "",
                List.of("1", "busy", "box"), "2 words, 7 letters\n");
        runsAsTheOriginalInStrictMode(bin, runs);
    }

    /**
     * An applet's main that ends in a tail call of another's, placed further on past other functions
     * (busybox's `sh`: `add rsp, 0x18; jmp ash_main`, ash_main reached otherwise only through the
     * applet table): the target is a function of its own, not code of the function that jumps there.
     * gcc builds that shape from fartail.c; clang calls shout_main instead of jumping, and checks the rest.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("org.ykrw.testsuite.TestCompiler#compilersAndLinks")
    void aFarTailCallsTargetIsAFunctionOfItsOwn(String cc, String link) throws Exception {
        Path bin = compileLikeBusybox("fartail.c", "-O2", cc, link);  // count_main, words_main, shout_main in that order
        Map<List<String>, String> runs = Map.of(List.of("0", "busy", "box"), "7 letters\nBUSY\nBOX\n",
                List.of("1", "busy", "box"), "2 words\n", List.of("2", "busy", "box"), "BUSY\nBOX\n");
        runsAsTheOriginalInStrictMode(bin, runs);
    }

    /**
     * Compiles a program of the test's resources as static busybox is built: stripped, no unwind tables,
     * its functions in source order (gcc reorders them otherwise; clang keeps that order anyway).
     */
    private Path compileLikeBusybox(String source, String optimization, String cc, String link) throws Exception {
        List<String> flags = new ArrayList<>(List.of(optimization, "-s", "-fno-asynchronous-unwind-tables"));
        if (cc.equals("gcc")) {
            flags.add("-fno-toplevel-reorder");
        }
        String name = source.substring(0, source.indexOf('.'));
        return TestCompiler.compile(dir.resolve(name + "-" + cc + "-" + link), source, cc, link, flags);
    }

    /** Runs bin, its strict null rewrite and its strict --counts build on each input; the outputs agree. */
    private void runsAsTheOriginalInStrictMode(Path bin, Map<List<String>, String> expected) throws Exception {
        CoveragePass counts = new CoveragePass(CoveragePass.Mode.COUNTS, BlockFilter.ALL);
        List<InstrumentedRun> builds = List.of(
                InstrumentedRun.instrument(bin, List.of(), dir.resolve(bin.getFileName() + "-rewrite"), true),
                InstrumentedRun.instrument(bin, counts, dir.resolve(bin.getFileName() + "-counts"), true));
        for (Map.Entry<List<String>, String> e : expected.entrySet()) {
            List<String> args = e.getKey();
            Tools.Result original = Tools.run(Stream.concat(Stream.of(bin.toString()), args.stream()).toList(), 30);
            assertEquals(e.getValue(), original.stdout(), "the program itself, on " + args);
            for (InstrumentedRun built : builds) {
                InstrumentedRun r = built.run(Map.of(), args.toArray(String[]::new));
                assertEquals(original.stdout(), r.stdout, r.binary + " on " + args + ": " + r.stderr);
                assertEquals(original.exit(), r.exit, r.binary + " on " + args + ", exit status: " + r.stderr);
            }
        }
    }

    /** @return true when f's first instruction is a direct jump */
    private static boolean isThunk(Function f) {
        if (f.blocks().isEmpty() || f.blocks().get(0).instructions().isEmpty()) {
            return false;
        }
        Insn first = f.blocks().get(0).instructions().get(0);
        return first.address() == f.entryAddress() && first.flow() == FlowKind.JUMP;
    }
}
