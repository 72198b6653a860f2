package org.ykrw.passes.instrument;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.passes.runtime.RuntimeConfig;

/**
 * Counters for a pass of one's own: the pass inserts {@link #increment} probes before whichever
 * instructions it likes (of functions that move, {@link PassInput#isRelocated}), then calls
 * {@link #embed} once with the number of counters. The output's embedded runtime maps the counters
 * from a {@code .ykcov} run file at start-up ({@code <name>.<pid>.ykcov} in {@code $YKRW_COVERAGE_DIR}
 * or the working directory, docs/FORMATS.md), which {@code org.ykrw.coverage.CoverageRun} reads back.
 * This is what {@code instrument --counts} does with a counter per block.
 */
public final class CounterFile {
    private CounterFile() {
    }

    /**
     * @param k the counter, from 0
     * @return a probe that adds one to counter {@code k}; it saves the flags, so it may go before any
     *     instruction
     */
    public static Probe increment(int k) {
        return increment(k, true);
    }

    /**
     * @param k the counter, from 0
     * @param flagsLive false only where the flags are known dead (e.g. {@code Liveness}): then the
     *     probe is one {@code inc} with no pushfq/popfq around it
     * @return a probe that adds one to counter {@code k}
     */
    public static Probe increment(int k, boolean flagsLive) {
        if (k < 0) {
            throw new IllegalArgumentException("counter " + k + " < 0");
        }
        return Probes.count(k, flagsLive);
    }

    /**
     * Asks for the embedded runtime with a run file of 64-bit counters (the run-file region: not
     * together with another pass that wants it, such as coverage).
     *
     * @param input what the pass reads
     * @param requests where it asks for the runtime
     * @param counters how many counters the probes use (their numbers run from 0 to counters - 1)
     */
    public static void embed(PassInput input, PassRequests requests, int counters) {
        if (counters < 0) {
            throw new IllegalArgumentException(counters + " counters");
        }
        long bytes = (Probes.COUNTERS + 8L * counters + 7) & ~7L;
        RuntimeConfig.of(input, requests).addFlags(RuntimeConfig.RUN_FILE)
                .region(ProbeContext.RUN_FILE_REGION, "counters", header(8, counters, input.mapId(), 0), bytes);
        RuntimeConfig.hookForks(input, requests);
    }

    /**
     * The run file's header as ykrw knows it (docs/FORMATS.md); the runtime adds the load bias, pid
     * and path.
     */
    static byte[] header(int counterWidth, int counters, long mapId, int hooks) {
        ByteBuffer h = ByteBuffer.allocate(Probes.COUNTERS).order(ByteOrder.LITTLE_ENDIAN);
        h.put("YKRWCOV1".getBytes(StandardCharsets.US_ASCII));
        h.putInt(Probes.COUNTERS).putInt(counterWidth).putLong(counters).putLong(0).putLong(mapId);
        h.putInt(0).putInt(hooks);
        return h.array();
    }
}
