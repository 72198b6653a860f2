package org.ykrw.passes.optimize;

import java.util.Map;
import org.ykrw.core.ir.Block;

/**
 * Execution counts of an input's blocks, as `instrument --counts` runs of it measured them, keyed by
 * the block's address in that input.
 *
 * @param mapId the map id of the input the runs were instrumented from (docs/FORMATS.md)
 * @param counts block address -> times it ran (blocks absent ran never, or had no probe)
 */
public record BlockProfile(long mapId, Map<Long, Long> counts) {
    /** Copies the counts. */
    public BlockProfile {
        counts = Map.copyOf(counts);
    }

    /** @return how often b ran */
    public long count(Block b) {
        return counts.getOrDefault(b.address(), 0L);
    }
}
