package org.ykrw.core;

import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;

/**
 * Points the direct calls of functions that stay in place at the new code of the functions they call
 * ({@link RewriteOptions#retargetStayingCalls}), so that such a call no longer runs the jump at its
 * callee's old entry first. Only {@code call rel32} is rewritten (the same 5 bytes, a new
 * displacement), and only in code the lift decoded, so nothing moves. It matters where a hot function
 * cannot move (lua's interpreter loop, with its unresolved computed goto) and calls moved ones at every
 * step. Runs after the layout (new entries are known) and before the in-place patches of passes, which
 * win where both write (a stripped call is a NOP, whatever its callee).
 */
final class StayingCallsRewriter implements OutputRewriter {
    private static final int CALL_REL32 = 0xE8;

    @Override
    public String name() {
        return "staying-calls";
    }

    @Override
    public void run(RewriteState state) {
        if (!state.options.retargetStayingCalls()) {
            return;
        }
        for (Function f : state.program.functions()) {
            if (f.isPlt() || state.ranges.containsKey(f)) {
                continue;
            }
            for (Block b : f.blocks()) {
                for (Insn i : b.instructions()) {
                    if (i.flow() != FlowKind.CALL || !i.hasTarget() || i.length() != 5
                            || (i.bytes()[0] & 0xFF) != CALL_REL32) {
                        continue;
                    }
                    Long to = state.layout.newAddressOfFunction(i.target());
                    if (to != null) {
                        long disp = to - i.end();
                        state.image.patch(i.address() + 1, new byte[] {(byte) disp, (byte) (disp >> 8),
                                (byte) (disp >> 16), (byte) (disp >> 24)});
                    }
                }
            }
        }
    }
}
