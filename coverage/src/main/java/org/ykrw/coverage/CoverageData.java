package org.ykrw.coverage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;
import org.ykrw.coverage.CoverageRun.HookRecord;
import org.ykrw.core.diag.MapMismatchException;

/**
 * The coverage of one binary: a block map and, per probe, the count of one run or of several runs
 * added up. This is the model every report writer reads. Run/not-run runs (counter width 1) are
 * merged by OR, count runs (width 8) by adding; a block is covered when its count is non-zero.
 */
public final class CoverageData {
    /**
     * Coverage of one function.
     *
     * @param function the function
     * @param probedBlocks blocks runs say something about: with a probe, or one implied by others
     * @param coveredBlocks of those, the blocks that ran
     * @param entryCount count of the entry block (0 when it has no probe or never ran)
     */
    public record FunctionCoverage(MappedFunction function, int probedBlocks, int coveredBlocks, long entryCount) {
        /** @return covered / probed blocks in percent (0 when nothing is probed) */
        public double percent() {
            return probedBlocks == 0 ? 0 : 100.0 * coveredBlocks / probedBlocks;
        }
    }

    private final BlockMap map;
    private final String mapName;
    private final long[] counts;
    /** Counts of the blocks whose probe was pruned, per function and block (0 for every other block). */
    private final long[][] implied;
    private final boolean hasCounts;
    private final List<CoverageRun> runs;
    private final List<HookRecord> hooks;
    /** Functions left out of summaries (start-up code, by default), by index. */
    private final Set<Integer> excluded;

    private CoverageData(BlockMap map, String mapName, long[] counts, boolean hasCounts, List<CoverageRun> runs,
            List<HookRecord> hooks, Set<Integer> excluded) {
        this.map = map;
        this.mapName = mapName;
        this.counts = counts;
        this.hasCounts = hasCounts;
        this.implied = ImpliedCounts.of(map, counts, hasCounts);
        this.runs = List.copyOf(runs);
        this.hooks = List.copyOf(hooks);
        this.excluded = Set.copyOf(excluded);
    }

    /**
     * @param functionIndexes functions to leave out of summaries and listings (their blocks still
     *     count in {@link #count} and {@link #isCovered}, which drcov writes)
     * @return this coverage without them
     */
    public CoverageData excluding(Set<Integer> functionIndexes) {
        return new CoverageData(map, mapName, counts, hasCounts, runs, hooks, functionIndexes);
    }

    /** @return functions left out of summaries, by index */
    public Set<Integer> excluded() {
        return excluded;
    }

    /** @return true when the function counts in summaries */
    public boolean isSummarized(MappedFunction f) {
        return !excluded.contains(f.index());
    }

    /**
     * Merges runs of one binary.
     *
     * @param map the binary's block map
     * @param mapName where the map came from, for messages
     * @param runs one or more runs, each checked against the map
     * @return the added-up coverage
     * @throws MapMismatchException when a run belongs to another binary or the runs mix coverage and counts
     */
    public static CoverageData merge(BlockMap map, String mapName, List<CoverageRun> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs");
        }
        int width = runs.get(0).counterWidth();
        // Every run is checked first: the map's probe count is only as large as a run that matches it
        // (a map of unknown origin can claim two billion probes, a matching run cannot without the bytes).
        for (CoverageRun run : runs) {
            run.checkMatches(map, mapName);
            if (run.counterWidth() != width) {
                throw new MapMismatchException(run.file(), mapName, "counter width " + run.counterWidth() + " but "
                        + runs.get(0).file() + " has width " + width + " (coverage and count runs do not add up)");
            }
        }
        long[] counts = new long[map.probeSlots()];
        List<HookRecord> hooks = new ArrayList<>();
        for (CoverageRun run : runs) {
            for (int p = 0; p < counts.length; p++) {
                long c = run.counter(p);
                // Counts add (wrapping like the 64-bit counters themselves); run bytes only say "ran".
                counts[p] = width == 8 ? counts[p] + c : (counts[p] != 0 || c != 0 ? 1 : 0);
            }
            for (int i = 0; i < run.hooks().size(); i++) {
                HookRecord h = run.hooks().get(i);
                if (i == hooks.size()) {
                    hooks.add(h);
                } else {
                    HookRecord sum = hooks.get(i);
                    hooks.set(i, new HookRecord(sum.calls() + h.calls(), Math.max(sum.depth(), h.depth()),
                            Math.max(sum.maxDepth(), h.maxDepth())));
                }
            }
        }
        return new CoverageData(map, mapName, counts, width == 8, runs, hooks, Set.of());
    }

    /**
     * Coverage given directly by counts, for tests and for reports of synthetic data.
     *
     * @param map the block map
     * @param counts per probe, at least {@link BlockMap#probeSlots()} long
     * @param hasCounts true when the values are execution counts, false for run/not-run
     * @return the coverage
     */
    public static CoverageData of(BlockMap map, long[] counts, boolean hasCounts) {
        if (counts.length < map.probeSlots()) {
            throw new IllegalArgumentException(counts.length + " counts for " + map.probeSlots() + " probes");
        }
        return new CoverageData(map, map.input(), counts.clone(), hasCounts, List.of(), List.of(), Set.of());
    }

    /** @return the block map */
    public BlockMap map() {
        return map;
    }

    /** @return where the map came from */
    public String mapName() {
        return mapName;
    }

    /** @return the runs added up here (empty for {@link #of}) */
    public List<CoverageRun> runs() {
        return runs;
    }

    /** @return true when counts are execution counts (pass counts) rather than run/not-run */
    public boolean hasCounts() {
        return hasCounts;
    }

    /** @return merged hook records in the map's {@code hooks} order */
    public List<HookRecord> hooks() {
        return hooks;
    }

    /**
     * @return the block's count: 0 when it never ran or has no probe; 1 = ran, for run/not-run data.
     *     A block whose probe was pruned gets the count its implying blocks give.
     */
    public long count(MappedBlock block) {
        return block.hasProbe() ? counts[block.probe()] : block.isImplied() ? implied[block.functionIndex()][block.index()] : 0;
    }

    /** @return block address in the input -> count, for the blocks that ran (a profile for optimize) */
    public java.util.Map<Long, Long> countsByAddress() {
        java.util.Map<Long, Long> out = new java.util.HashMap<>();
        for (MappedFunction f : map.functions()) {
            for (MappedBlock b : f.blocks()) {
                long n = count(b);
                if (n > 0) {
                    out.put(b.address(), n);
                }
            }
        }
        return out;
    }

    /** @return true when the block is measured (probed or implied) and ran */
    public boolean isCovered(MappedBlock block) {
        return count(block) != 0;
    }

    /** @return coverage of one function */
    public FunctionCoverage of(MappedFunction f) {
        int probed = 0;
        int covered = 0;
        long entry = 0;
        for (MappedBlock b : f.blocks()) {
            if (b.isMeasured()) {
                probed++;
                if (isCovered(b)) {
                    covered++;
                }
                if (b.address() == f.address()) {
                    entry = count(b);
                }
            }
        }
        return new FunctionCoverage(f, probed, covered, entry);
    }

    /** @return coverage of every summarized function that has at least one probe, in index order */
    public List<FunctionCoverage> functions() {
        List<FunctionCoverage> out = new ArrayList<>();
        for (MappedFunction f : map.functions()) {
            if (!isSummarized(f)) {
                continue;
            }
            FunctionCoverage c = of(f);
            if (c.probedBlocks() > 0) {
                out.add(c);
            }
        }
        return out;
    }

    /** @return number of measured blocks (probed or implied) of summarized functions */
    public int probedBlocks() {
        int n = 0;
        for (MappedFunction f : map.functions()) {
            if (isSummarized(f)) {
                n += f.measuredBlocks();
            }
        }
        return n;
    }

    /** @return number of measured blocks of summarized functions that ran */
    public int coveredBlocks() {
        int n = 0;
        for (MappedFunction f : map.functions()) {
            if (!isSummarized(f)) {
                continue;
            }
            for (MappedBlock b : f.blocks()) {
                if (isCovered(b)) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * @param limit at most this many
     * @return covered blocks, highest count first (address order among equal counts)
     */
    public List<MappedBlock> hottest(int limit) {
        List<MappedBlock> covered = new ArrayList<>();
        for (MappedFunction f : map.functions()) {
            if (!isSummarized(f)) {
                continue;
            }
            for (MappedBlock b : f.blocks()) {
                if (isCovered(b)) {
                    covered.add(b);
                }
            }
        }
        // Counts are unsigned 64-bit values.
        covered.sort(((Comparator<MappedBlock>) (a, b) -> Long.compareUnsigned(count(b), count(a)))
                .thenComparingLong(MappedBlock::address));
        return covered.subList(0, Math.min(limit, covered.size()));
    }
}
