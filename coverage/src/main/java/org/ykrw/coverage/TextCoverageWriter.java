package org.ykrw.coverage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;
import org.ykrw.coverage.CoverageData.FunctionCoverage;

/**
 * The plain-text coverage report: totals, every probed function sorted by coverage, and (for count
 * runs) the hottest blocks. Meant for a terminal and for diffing two reports, so columns are fixed
 * width and the order is fully determined.
 */
public final class TextCoverageWriter {
    private TextCoverageWriter() {
    }

    /**
     * @param data the coverage
     * @param hottest how many of the hottest blocks to list (count runs only)
     * @return the report
     */
    public static String write(CoverageData data, int hottest) {
        return write(data, hottest, null);
    }

    /**
     * @param data the coverage
     * @param hottest how many of the hottest blocks (and busiest functions) to list (count runs only)
     * @param profile the execution figures of a count run, or null
     * @return the report
     */
    public static String write(CoverageData data, int hottest, ExecutionProfile profile) {
        BlockMap map = data.map();
        StringBuilder b = new StringBuilder();
        b.append(String.format("coverage of %s (map %s, pass %s, %s)%n", map.input(), BlockMap.mapIdHex(map.mapId()),
                map.pass(), runs(data)));
        List<FunctionCoverage> fns = data.functions();
        long entered = fns.stream().filter(f -> f.coveredBlocks() > 0).count();
        int covered = data.coveredBlocks();
        int probed = data.probedBlocks();
        b.append(String.format("functions %8d of %8d entered  %s%n", entered, fns.size(), percent(entered, fns.size())));
        b.append(String.format("blocks    %8d of %8d covered  %s%n", covered, probed, percent(covered, probed)));
        if (!data.excluded().isEmpty()) {
            b.append(String.format("(%d start-up function(s) not counted, as gcov does not: --include-startup"
                    + " counts them)%n", data.excluded().size()));
        }
        int unprobed = map.blocks().size() - map.measuredBlocks();
        if (unprobed > 0) {
            b.append(String.format("(%d block(s) of the map have no probe: their functions stayed in place or were"
                    + " filtered out)%n", unprobed));
        }

        // Most covered first; ties by covered blocks, then address order, so the listing is stable.
        List<FunctionCoverage> sorted = new ArrayList<>(fns);
        sorted.sort(Comparator.comparingDouble(FunctionCoverage::percent).reversed()
                .thenComparing(Comparator.comparingInt(FunctionCoverage::coveredBlocks).reversed())
                .thenComparingInt(f -> f.function().index()));
        b.append(String.format("%n%8s %8s %7s  %s%n", "blocks", "covered", "%", "function"));
        for (FunctionCoverage f : sorted) {
            b.append(String.format("%8d %8d %7s  %s%n", f.probedBlocks(), f.coveredBlocks(),
                    String.format("%.1f", f.percent()), f.function().name()));
        }

        if (data.hasCounts() && hottest > 0) {
            b.append(String.format("%nhottest blocks%n%20s  %-18s  %s%n", "count", "address", "block"));
            for (MappedBlock bl : data.hottest(hottest)) {
                MappedFunction f = map.functionOf(bl);
                b.append(String.format("%20s  0x%-16x  %s+0x%x (block %d)%n", Long.toUnsignedString(data.count(bl)),
                        bl.address(), f.name(), bl.address() - f.address(), bl.index()));
            }
        }
        if (profile != null) {
            execution(b, profile, hottest);
        }
        if (!data.hooks().isEmpty()) {
            b.append(String.format("%nhooked functions%n%20s %10s  %s%n", "calls", "max depth", "function"));
            for (int i = 0; i < data.hooks().size() && i < map.hooks().size(); i++) {
                CoverageRun.HookRecord h = data.hooks().get(i);
                b.append(String.format("%20s %10d  %s%s%n", Long.toUnsignedString(h.calls()), h.maxDepth(),
                        map.hooks().get(i), h.depth() != 0 ? " (the process stopped inside it, depth " + h.depth() + ")"
                        : ""));
            }
        }
        return b.toString();
    }

    /** The bbcount / bbsize figures: totals, average block sizes, the busiest functions. */
    private static void execution(StringBuilder b, ExecutionProfile profile, int limit) {
        ExecutionProfile.Figures p = profile.program();
        b.append(String.format("%nexecution%n"));
        b.append(String.format("blocks executed        %20.0f%n", p.blocksExecuted()));
        b.append(String.format("instructions executed  %20s%n", p.knowsInstructions()
                ? String.format("%.0f", p.instructionsExecuted()) : "- (give --binary BIN)"));
        b.append(String.format("average block size     static  %s instructions %s bytes (%d blocks)%n",
                avg(p.staticInstructionsPerBlock()), avg(p.staticBytesPerBlock()), p.blocks()));
        b.append(String.format("                       dynamic %s instructions %s bytes (weighted by count)%n",
                avg(p.dynamicInstructionsPerBlock()), avg(p.dynamicBytesPerBlock())));
        List<ExecutionProfile.FunctionProfile> busy = new ArrayList<>();
        for (ExecutionProfile.FunctionProfile f : profile.functions()) {
            if (f.figures().blocksExecuted() > 0) {
                busy.add(f);
            }
        }
        busy.sort(Comparator.comparingDouble((ExecutionProfile.FunctionProfile f) -> f.figures().instructionsExecuted())
                .thenComparingDouble(f -> f.figures().blocksExecuted()).reversed()
                .thenComparingInt(f -> f.function().index()));
        b.append(String.format("%nbusiest functions%n%20s %20s %8s %8s %8s %8s  %s%n", "blocks executed",
                "instructions", "dyn i/b", "dyn B/b", "stat i/b", "stat B/b", "function"));
        for (ExecutionProfile.FunctionProfile f : busy.subList(0, Math.min(limit, busy.size()))) {
            ExecutionProfile.Figures x = f.figures();
            b.append(String.format("%20.0f %20s %8s %8s %8s %8s  %s%n", x.blocksExecuted(),
                    x.knowsInstructions() ? String.format("%.0f", x.instructionsExecuted()) : "-",
                    avg(x.dynamicInstructionsPerBlock()), avg(x.dynamicBytesPerBlock()),
                    avg(x.staticInstructionsPerBlock()), avg(x.staticBytesPerBlock()), f.function().name()));
        }
    }

    private static String avg(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.2f", v);
    }

    private static String runs(CoverageData data) {
        List<CoverageRun> runs = data.runs();
        if (runs.isEmpty()) {
            return "synthetic counts";
        }
        if (runs.size() == 1) {
            return "1 run: " + runs.get(0).file();
        }
        return runs.size() + " runs merged";
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "-" : String.format("%.1f%%", 100.0 * part / whole);
    }
}
