package org.ykrw.coverage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;

/**
 * What a count run says about execution, per program and per function: the questions DynamoRIO's
 * bbcount and bbsize samples answer. Blocks executed is the sum of the block counts, instructions
 * (bytes) executed the sum of count times the block's instructions (bytes); the dynamic average block
 * size is executed instructions (bytes) per executed block, i.e. the static size weighted by count,
 * beside the static average over the probed blocks. Counts are the runtime's unsigned 64-bit
 * counters; sums are kept in a double, which is exact up to 2^53 and close beyond.
 */
public final class ExecutionProfile {
    /** Instruction count of a block whose code is not at hand. */
    public static final int UNKNOWN = -1;

    /**
     * Figures of a set of blocks.
     *
     * @param blocks probed blocks
     * @param instructions their instructions (static), or {@link #UNKNOWN} summed in: see {@link #knowsInstructions}
     * @param bytes their bytes (static)
     * @param blocksExecuted sum of their counts
     * @param instructionsExecuted sum of count x instructions
     * @param bytesExecuted sum of count x bytes
     * @param knowsInstructions false when some block's instructions were not known
     */
    public record Figures(long blocks, long instructions, long bytes, double blocksExecuted,
            double instructionsExecuted, double bytesExecuted, boolean knowsInstructions) {
        /** @return static average block size in instructions (NaN for no block or unknown code) */
        public double staticInstructionsPerBlock() {
            return knowsInstructions && blocks > 0 ? (double) instructions / blocks : Double.NaN;
        }

        /** @return static average block size in bytes (NaN for no block) */
        public double staticBytesPerBlock() {
            return blocks > 0 ? (double) bytes / blocks : Double.NaN;
        }

        /** @return average instructions of an executed block, weighted by count (NaN when none ran) */
        public double dynamicInstructionsPerBlock() {
            return knowsInstructions && blocksExecuted > 0 ? instructionsExecuted / blocksExecuted : Double.NaN;
        }

        /** @return average bytes of an executed block, weighted by count (NaN when none ran) */
        public double dynamicBytesPerBlock() {
            return blocksExecuted > 0 ? bytesExecuted / blocksExecuted : Double.NaN;
        }

        Figures plus(Figures o) {
            return new Figures(blocks + o.blocks, instructions + o.instructions, bytes + o.bytes,
                    blocksExecuted + o.blocksExecuted, instructionsExecuted + o.instructionsExecuted,
                    bytesExecuted + o.bytesExecuted, knowsInstructions && o.knowsInstructions);
        }
    }

    /**
     * @param function the function
     * @param figures its blocks' figures
     */
    public record FunctionProfile(MappedFunction function, Figures figures) {
    }

    private final Figures program;
    private final List<FunctionProfile> functions;

    private ExecutionProfile(Figures program, List<FunctionProfile> functions) {
        this.program = program;
        this.functions = List.copyOf(functions);
    }

    /**
     * @param data a count run's coverage (its summarized functions are profiled)
     * @param instructions a block's instruction count, or {@link #UNKNOWN}
     * @return the profile
     */
    public static ExecutionProfile of(CoverageData data, ToIntFunction<MappedBlock> instructions) {
        Figures total = new Figures(0, 0, 0, 0, 0, 0, true);
        List<FunctionProfile> fns = new ArrayList<>();
        for (CoverageData.FunctionCoverage fc : data.functions()) {
            Figures f = new Figures(0, 0, 0, 0, 0, 0, true);
            for (MappedBlock b : fc.function().blocks()) {
                if (!b.isMeasured()) {
                    continue;
                }
                int n = instructions.applyAsInt(b);
                boolean known = n != UNKNOWN;
                double count = unsigned(data.count(b));
                f = f.plus(new Figures(1, known ? n : 0, b.size(), count, known ? count * n : 0, count * b.size(), known));
            }
            fns.add(new FunctionProfile(fc.function(), f));
            total = total.plus(f);
        }
        return new ExecutionProfile(total, fns);
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2 + (v & 1);
    }

    /** @return the whole program's figures (its summarized functions) */
    public Figures program() {
        return program;
    }

    /** @return per summarized function with probes, in index order */
    public List<FunctionProfile> functions() {
        return functions;
    }
}
