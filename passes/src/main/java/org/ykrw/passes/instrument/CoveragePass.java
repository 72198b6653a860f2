package org.ykrw.passes.instrument;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassContext;
import org.ykrw.passes.runtime.RuntimeBlob;
import org.ykrw.passes.runtime.RuntimeConfig;

/**
 * Block coverage and counts without a call per block: every instrumented block gets a probe on a
 * counter of its own in the run-file region, which the embedded runtime maps from
 * {@code <name>.<pid>.ykcov} at start-up (docs/FORMATS.md).
 *
 * <ul>
 *   <li>{@link Mode#COVERAGE}: {@code mov byte [counter], 1}, one instruction that needs no register
 *       and leaves the flags alone;</li>
 *   <li>{@link Mode#COUNTS}: a 64-bit {@code inc}, wrapped in pushfq/popfq only where the flags may be
 *       live (increments from threads racing on one block may be lost);</li>
 *   <li>{@link Mode#ONCE}: a 5-byte jump to a trampoline that marks the block and turns the jump into
 *       a NOP, so code that ran once runs at native speed after.</li>
 * </ul>
 */
public final class CoveragePass implements Pass {
    /** What each probe records. */
    public enum Mode {
        COVERAGE, COUNTS, ONCE;

        int counterWidth() {
            return this == COUNTS ? 8 : 1;
        }
    }

    private final Mode mode;
    private final BlockFilter filter;
    private final Map<Block, Integer> probeOf = new HashMap<>();
    private int flagSaves;

    /**
     * @param mode coverage, counts or once
     * @param filter which functions to instrument
     */
    public CoveragePass(Mode mode, BlockFilter filter) {
        this.mode = mode;
        this.filter = filter;
    }

    @Override
    public String name() {
        return mode.name().toLowerCase();
    }

    @Override
    public void run(PassContext context) {
        int k = 0;
        for (Function f : context.program().functions()) {
            if (!filter.accepts(context, f)) {
                continue;
            }
            for (Block b : f.blocks()) {
                probeOf.put(b, k);
                b.insertBefore(0, probe(b, k));
                k++;
            }
        }
        int counters = k;
        long bytes = Probes.COUNTERS + (long) counters * mode.counterWidth();
        int flags = RuntimeConfig.RUN_FILE | (mode == Mode.ONCE ? RuntimeConfig.ONCE : 0);
        RuntimeConfig config = new RuntimeConfig(flags, 0, context.mapId(), context.inputName());
        context.useRuntime(config.embed(RuntimeBlob.load(), header(counters, context.mapId()), bytes));
        BlockMapSection.add(context, name(), probeOf);
        context.note(String.format("%s: %,d blocks in %,d counters of %d byte(s)%s", name(), counters, counters,
                mode.counterWidth(), mode == Mode.COUNTS ? String.format(", flags saved at %,d", flagSaves) : ""));
    }

    /** @return block -> counter slot, after the pass ran */
    public Map<Block, Integer> probes() {
        return probeOf;
    }

    private org.ykrw.core.ir.Probe probe(Block b, int k) {
        return switch (mode) {
            case COVERAGE -> Probes.coverageByte(k);
            case COUNTS -> {
                boolean live = !FlagsAtBlockStart.dead(b);
                if (live) {
                    flagSaves++;
                }
                yield Probes.count(k, live);
            }
            case ONCE -> (w, c) -> {
                int site = Probes.patchSite(w, c, true, (t, tc) -> Probes.callStub(t, tc, "ykrw_once_stub", k, null));
                if (site != k) {
                    throw new IllegalStateException("once probe " + k + " got patch site " + site);
                }
            };
        };
    }

    /** The run file's header as ykrw knows it; the runtime adds the load bias, pid and path. */
    private byte[] header(int counters, long mapId) {
        ByteBuffer h = ByteBuffer.allocate(Probes.COUNTERS).order(ByteOrder.LITTLE_ENDIAN);
        h.put("YKRWCOV1".getBytes(StandardCharsets.US_ASCII));
        h.putInt(Probes.COUNTERS).putInt(mode.counterWidth()).putLong(counters).putLong(0).putLong(mapId);
        h.putInt(0).putInt(0);
        return h.array();
    }
}
