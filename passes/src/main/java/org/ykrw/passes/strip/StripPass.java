package org.ykrw.passes.strip;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.ykrw.core.ir.Probe;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.encode.CodeWriter;

/**
 * The {@code strip} pass: removes compiler-inserted tracing calls, the argument set-up that only fed
 * them and the tests that guarded them ({@link CallStripper} finds them). In a function that moves
 * the instructions are not emitted at all ({@link org.ykrw.core.ir.Block#remove}); in one that stays
 * (every function, under {@link org.ykrw.core.Rewriter#rewriteInPlace}) they become NOPs, as few as
 * fill each run of them in a block, asked for as in-place patches, so nothing else in the file changes. A tail jump to the
 * tracer (gcc's {@code jmp __sanitizer_cov_trace_pc} at a function's end) becomes {@code ret}.
 */
public final class StripPass implements Pass {
    /** The tracing functions yk's compilers have called (see NOTES.md section 1). */
    public static final List<String> YK_TRACE_FUNCTIONS = List.of("yk_trace_basicblock", "__yk_trace_basicblock",
            "__yk_trace_basicblock_wrapper");

    private static final byte RET = (byte) 0xC3;
    /** What replaces a tail jump to the tracer in moved code: the return the tracer would have made. */
    private static final Probe RETURN = (w, c) -> w.bytes(new byte[] {RET});

    private final List<String> functions;
    private int callSites;
    private int argumentInstructions;
    private int guards;
    private int deleted;

    /** @param functions the functions whose calls go (for yk's tracers: {@link #YK_TRACE_FUNCTIONS}) */
    public StripPass(List<String> functions) {
        this.functions = List.copyOf(functions);
    }

    @Override
    public String name() {
        return "strip";
    }

    @Override
    public void run(PassInput context, PassRequests requests) {
        CallStripper.Result r = CallStripper.find(context.program(), StripTargets.of(context, functions));
        List<CallStripper.Cut> staying = new ArrayList<>();
        for (CallStripper.Cut c : r.cuts()) {
            if (context.isRelocated(c.block().function())) {
                c.block().remove(c.index());
                deleted++;
            } else {
                staying.add(c);
            }
        }
        nopRuns(staying, requests);
        for (CallStripper.Cut c : r.tailCalls()) {
            // the tracer would have returned to our caller: return there at once
            if (context.isRelocated(c.block().function())) {
                c.block().insertBefore(c.index(), RETURN);
                c.block().remove(c.index());
                deleted++;
            } else {
                Insn i = c.insn();
                requests.patchInPlace(new PassRequests.InPlacePatch(i.address(),
                        CodeWriter.at(i.address()).bytes(new byte[] {RET}).nop(i.length() - 1).toByteArray()));
            }
        }
        callSites = r.callSites();
        argumentInstructions = r.argumentInstructions();
        guards = r.guards();
        requests.note(String.format("strip: removed %d call sites, %d argument instructions and %d guarding tests"
                + " (%d instructions deleted from moved code, %d replaced by NOPs)", callSites, argumentInstructions,
                guards, deleted, r.cuts().size() + r.tailCalls().size() - deleted));
    }

    /**
     * Overwrites the cuts in code that stays with NOPs: each run of cuts that follow one another in one
     * block becomes as few NOP instructions as fit it (a set-up and call of 15 bytes, one), so the path
     * through runs one instruction where it ran several. Only inside a block: no branch lands between
     * two of its instructions, so the old instruction boundaries there need not stay.
     */
    private static void nopRuns(List<CallStripper.Cut> cuts, PassRequests requests) {
        List<CallStripper.Cut> sorted = new ArrayList<>(cuts);
        sorted.sort(Comparator.comparingLong(c -> c.insn().address()));
        int i = 0;
        while (i < sorted.size()) {
            CallStripper.Cut first = sorted.get(i);
            long end = first.insn().end();
            int j = i + 1;
            while (j < sorted.size() && (sorted.get(j).insn().address() < end
                    || sorted.get(j).block() == first.block() && sorted.get(j).insn().address() == end)) {
                // bytes already in the run (an instruction cut twice, or by two functions that share it) count once
                end = Math.max(end, sorted.get(j).insn().end());
                j++;
            }
            long at = first.insn().address();
            requests.patchInPlace(new PassRequests.InPlacePatch(at, CodeWriter.at(at).nopRun((int) (end - at)).toByteArray()));
            i = j;
        }
    }

    /** @return calls removed by the last run */
    public int callSites() {
        return callSites;
    }

    /** @return argument set-up instructions removed by the last run */
    public int argumentInstructions() {
        return argumentInstructions;
    }

    /** @return guarding branches removed by the last run */
    public int guards() {
        return guards;
    }
}
