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
 * block, both copies run, and the reports' per-block figures (what every report format writes, through
 * {@link CoverageData}) must be the same block for block: run/not-run for {@code --coverage}, counts for
 * {@code --counts}. The pruned copy must also have fewer probes, or the comparison proves nothing.
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
        int covered = 0;
        for (int i = 0; i < fb.size(); i++) {
            MappedBlock p = pb.get(i);
            MappedBlock f = fb.get(i);
            assertEquals(f.address(), p.address(), v + ": block " + i);
            String where = String.format("%s %s: block %d of %s at 0x%x%s", v, mode, p.index(),
                    pm.functionOf(p).name(), p.address(), p.isImplied() ? " (implied by " + p.impliedBy() + ")" : "");
            assertEquals(full.count(f), pruned.count(p), where);
            covered += full.isCovered(f) ? 1 : 0;
        }
        assertTrue(covered > 10, v + ": " + covered + " blocks covered");
    }

    /** Instruments and runs one copy; its coverage as the reports read it. */
    private CoverageData run(Variant v, CoveragePass.Mode mode, boolean prune) throws Exception {
        Path out = dir.resolve(prune ? "pruned" : "full");
        InstrumentedRun r = InstrumentedRun.instrument(v.binary(), new CoveragePass(mode, BlockFilter.ALL)
                .withPruning(prune), out).run(Map.of());
        assertEquals(0, r.exit, v + " exit status; stderr: " + r.stderr);
        assertEquals(ProgramMatrixTest.expected(v.program()), r.stdout, v + " output");
        List<Path> files = r.files(".ykcov");
        assertEquals(1, files.size(), "one run file: " + files);
        BlockMap map = BlockMapReader.read(r.binary);
        return CoverageData.merge(map, r.binary.toString(), List.of(CoverageRun.read(files.get(0))));
    }
}
