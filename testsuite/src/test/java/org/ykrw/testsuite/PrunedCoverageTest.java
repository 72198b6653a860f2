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
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.coverage.BlockMapReader;
import org.ykrw.coverage.CoverageData;
import org.ykrw.coverage.CoverageRun;
import org.ykrw.passes.instrument.BlockFilter;
import org.ykrw.passes.instrument.CoveragePass;

/**
 * Issue 14 part 5: pruned probes (the default of {@code instrument --coverage} and {@code --counts})
 * lose nothing for runs that end normally. Each program of the matrix (gcc and clang, -O0/-O2/-O3, PIE,
 * non-PIE and static, C++ with exceptions) is instrumented twice, pruned and with a probe in every
 * block, and both copies run. Two checks, on the per-block figures every report format writes (through
 * {@link CoverageData}): run/not-run for {@code --coverage}, counts for {@code --counts}.
 *
 * <ol>
 *   <li>The pruned map's derivation on the full run: the full run's counters of the blocks the pruned
 *       copy probes, filled in through the pruned map, give every block the figure the full run measured
 *       for it. One run, so this holds for threaded programs too.</li>
 *   <li>End to end: the pruned run reports what the full run reports, block for block. Skipped for
 *       {@code runtime.c} linked statically, whose four threads take paths through libc's (then
 *       instrumented) locking and join code that depend on scheduling, so that two runs of the same
 *       copy differ.</li>
 * </ol>
 *
 * <p>The pruned copy must also have fewer probes, or the comparison proves nothing.
 */
class PrunedCoverageTest {
    @TempDir
    Path dir;

    static Stream<Arguments> matrix() {
        List<Arguments> cases = new ArrayList<>();
        for (Variant v : ProgramMatrix.all()) {
            cases.add(Arguments.of(v, CoveragePass.Mode.COVERAGE));
            if (!v.opt().equals("O0")) {
                cases.add(Arguments.of(v, CoveragePass.Mode.COUNTS));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("matrix")
    void prunedRunReportsWhatEveryBlockProbedReports(Variant v, CoveragePass.Mode mode) throws Exception {
        CoverageData pruned = run(v, mode, true);
        CoverageData full = run(v, mode, false);
        BlockMap pm = pruned.map();
        BlockMap fm = full.map();
        assertTrue(pm.probedBlocks() < fm.probedBlocks(), v + ": pruning removed no probe (" + pm.probedBlocks() + ")");
        assertEquals(fm.measuredBlocks(), pm.measuredBlocks(), v + ": blocks measured");
        List<MappedBlock> pb = pm.blocks();
        List<MappedBlock> fb = fm.blocks();
        assertEquals(fb.size(), pb.size(), v + ": same blocks");
        // 1. the full run's counters where the pruned copy has probes, filled in through the pruned map
        long[] probed = new long[pm.probeSlots()];
        for (int i = 0; i < fb.size(); i++) {
            assertEquals(fb.get(i).address(), pb.get(i).address(), v + ": block " + i);
            if (pb.get(i).hasProbe()) {
                probed[pb.get(i).probe()] = full.count(fb.get(i));
            }
        }
        CoverageData derived = CoverageData.of(pm, probed, full.hasCounts());
        boolean endToEnd = !(v.program().equals("runtime") && v.link().equals("static"));
        int covered = 0;
        for (int i = 0; i < fb.size(); i++) {
            MappedBlock p = pb.get(i);
            MappedBlock f = fb.get(i);
            String where = String.format("%s %s: block %d of %s at 0x%x%s", v, mode, p.index(),
                    pm.functionOf(p).name(), p.address(), p.isImplied() ? " (implied by " + p.impliedBy() + ")" : "");
            assertEquals(full.count(f), derived.count(p), "derived from the full run: " + where);
            if (endToEnd) {
                // 2. the pruned copy's own run
                assertEquals(full.count(f), pruned.count(p), "pruned run: " + where);
            }
            covered += full.isCovered(f) ? 1 : 0;
        }
        assertTrue(covered > 10, v + ": " + covered + " blocks covered");
    }

    /** Instruments and runs one copy; its coverage as the reports read it. */
    private CoverageData run(Variant v, CoveragePass.Mode mode, boolean prune) throws Exception {
        // names of one length: the two runs' stacks must lie alike (runWithoutRandomization)
        Path out = dir.resolve(prune ? "pruned" : "probed");
        InstrumentedRun r = InstrumentedRun.instrument(v.binary(), new CoveragePass(mode, BlockFilter.ALL)
                .withPruning(prune), out).runWithoutRandomization(Map.of());
        assertEquals(0, r.exit, v + " exit status; stderr: " + r.stderr);
        assertEquals(ProgramMatrixTest.expected(v.program()), r.stdout, v + " output");
        List<Path> files = r.files(".ykcov");
        assertEquals(1, files.size(), "one run file: " + files);
        BlockMap map = BlockMapReader.read(r.binary);
        return CoverageData.merge(map, r.binary.toString(), List.of(CoverageRun.read(files.get(0))));
    }
}
