package org.ykrw.passes.strip;

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
 * (every function, under {@link org.ykrw.core.Rewriter#rewriteInPlace}) each becomes NOPs of its own
 * length, asked for as an in-place patch, so nothing else in the file changes. A tail jump to the
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
        for (CallStripper.Cut c : r.cuts()) {
            if (context.isRelocated(c.block().function())) {
                c.block().remove(c.index());
                deleted++;
            } else {
                Insn i = c.insn();
                requests.patchInPlace(new PassRequests.InPlacePatch(i.address(),
                        CodeWriter.at(i.address()).nop(i.length()).toByteArray()));
            }
        }
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
