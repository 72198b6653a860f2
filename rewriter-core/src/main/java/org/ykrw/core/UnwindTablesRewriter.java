package org.ykrw.core;

/**
 * Writes the unwind segment (new LSDAs, .eh_frame, .eh_frame_hdr) through {@link UnwindStep}, whose
 * work started after the layout. Runs last: it waits for that work, which ran meanwhile.
 */
final class UnwindTablesRewriter implements OutputRewriter {
    @Override
    public String name() {
        return "unwind";
    }

    @Override
    public void run(RewriteState state) {
        state.unwindSummary = state.unwind.write(state.image);
    }
}
