package org.ykrw.passes.instrument;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.analysis.Liveness;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.ir.ProbeContext;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.ir.Function;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.passes.runtime.RunFiles;
import org.ykrw.passes.runtime.RuntimeConfig;

/**
 * Block coverage and counts without a call per block: every instrumented block gets a probe on a
 * counter of its own in the run-file region, which the embedded runtime maps from
 * {@code <name>.<pid>.ykcov} at start-up (docs/FORMATS.md).
 *
 * <ul>
 *   <li>{@link Mode#COVERAGE}: {@code mov byte [counter], 1}, one instruction that needs no register
 *       and leaves the flags alone;</li>
 *   <li>{@link Mode#COUNTS}: a 64-bit {@code inc}, wrapped in pushfq/popfq only where liveness says the
 *       flags may be live (increments from threads racing on one block may be lost);</li>
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
    private final List<String> hooks;
    private final Map<Block, Integer> probeOf = new HashMap<>();
    private final Map<Block, List<Block>> impliedBy = new HashMap<>();
    private RunFiles runFiles = RunFiles.DEFAULT;
    private boolean prune = true;

    /**
     * @param value false to probe every block ({@code instrument --no-prune}): exact under abnormal
     *     exits too (docs/RUNTIME.md), at the cost of more probes. {@link Mode#ONCE} never prunes
     *     (its probes remove themselves).
     * @return this pass
     */
    public CoveragePass withPruning(boolean value) {
        this.prune = value;
        return this;
    }

    /**
     * @param files where the runtime creates run files and with which permissions (instrument
     *     --run-dir, --run-mode)
     * @return this pass
     */
    public CoveragePass withRunFiles(RunFiles files) {
        this.runFiles = java.util.Objects.requireNonNull(files);
        return this;
    }
    private int flagSaves;
    private Liveness liveness;

    /**
     * @param mode coverage, counts or once
     * @param filter which functions to instrument
     */
    public CoveragePass(Mode mode, BlockFilter filter) {
        this(mode, filter, List.of());
    }

    /**
     * @param mode coverage, counts or once
     * @param filter which functions to instrument
     * @param hooks functions whose calls and maximum recursion depth are recorded
     */
    public CoveragePass(Mode mode, BlockFilter filter, List<String> hooks) {
        this.mode = mode;
        this.filter = filter;
        this.hooks = List.copyOf(hooks);
    }

    @Override
    public String name() {
        return mode.name().toLowerCase();
    }

    @Override
    public void run(PassInput input, PassRequests requests) {
        liveness = mode == Mode.COUNTS ? Liveness.of(input.program()) : null;
        int k = 0;
        for (Function f : input.program().functions()) {
            if (!filter.accepts(input, f)) {
                continue;
            }
            Map<Block, List<Block>> pruned = prune && mode != Mode.ONCE ? ProbePruning.choose(f, mode == Mode.COUNTS) : Map.of();
            impliedBy.putAll(pruned);
            for (Block b : f.blocks()) {
                if (pruned.containsKey(b)) {
                    continue;
                }
                probeOf.put(b, k);
                b.insertBefore(0, probe(b, k));
                k++;
            }
        }
        int counters = k;
        long hookRecords = (Probes.COUNTERS + (long) counters * mode.counterWidth() + 7) & ~7L;
        for (int h = 0; h < hooks.size(); h++) {
            hook(input, hooks.get(h), hookRecords + 24L * h);
        }
        long bytes = hookRecords + 24L * hooks.size();
        int flags = RuntimeConfig.RUN_FILE | (mode == Mode.ONCE ? RuntimeConfig.ONCE : 0);
        RuntimeConfig.of(input, requests).addFlags(flags).runFiles(runFiles)
                .region(ProbeContext.RUN_FILE_REGION, name(), header(counters, input.mapId()), bytes);
        RuntimeConfig.hookForks(input, requests);
        BlockMapSection.add(input, requests, name(), probeOf, impliedBy, hooks, true);
        requests.note(String.format("%s: %,d blocks in %,d counters of %d byte(s)%s%s", name(), counters + impliedBy.size(),
                counters, mode.counterWidth(), impliedBy.isEmpty() ? "" : String.format(" (%,d probes pruned)",
                        impliedBy.size()), mode == Mode.COUNTS ? String.format(", flags saved at %,d", flagSaves) : ""));
    }

    /**
     * Hooks a function: entry probe (calls, depth, maximum depth) and an exit probe before every
     * return and every unconditional jump that leaves it. Exits by longjmp or exceptions are not seen.
     */
    private static void hook(PassInput input, String name, long offsetInRegion) {
        Function f = input.program().functionByName(name).orElseThrow(() -> new UnsupportedInputException(
                "--hook-functions: " + input.inputName() + " has no function named " + name));
        if (!input.isRelocated(f)) {
            throw new UnsupportedInputException("--hook-functions: " + name + " stays in place (see rewrite --report)"
                    + " and cannot be hooked");
        }
        f.insertAtEntry((w, c) -> Probes.hookEntry(w, c.symbol(ProbeContext.RUN_FILE_REGION) + offsetInRegion));
        Probe exit = (w, c) -> Probes.hookExit(w, c.symbol(ProbeContext.RUN_FILE_REGION) + offsetInRegion);
        for (Block b : f.blocks()) {
            Insn last = b.lastInstruction();
            // A conditional tail call (jcc to another function) is not hooked: the probe would run on
            // both paths. Its exits go uncounted and the depth drifts up by one each time.
            boolean unconditionalJump = last.flow() == FlowKind.JUMP || last.flow() == FlowKind.INDIRECT_JUMP;
            boolean leaves = last.flow() == FlowKind.RETURN || unconditionalJump && b.successors().stream()
                    .anyMatch(e -> e.kind() == EdgeKind.TAIL_CALL);
            if (leaves) {
                b.insertBefore(b.instructions().size() - 1, exit);
            }
        }
    }

    /** @return block -> counter slot, after the pass ran */
    public Map<Block, Integer> probes() {
        return probeOf;
    }

    /** @return block whose probe was pruned -> the blocks of its function whose counts give its own */
    public Map<Block, List<Block>> pruned() {
        return impliedBy;
    }

    private org.ykrw.core.ir.Probe probe(Block b, int k) {
        return switch (mode) {
            case COVERAGE -> Probes.coverageByte(k);
            case COUNTS -> {
                boolean live = liveness.isFlagsLiveIn(b);
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

    private byte[] header(int counters, long mapId) {
        return CounterFile.header(mode.counterWidth(), counters, mapId, hooks.size());
    }
}
