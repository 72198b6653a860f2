package org.ykrw.core;

/**
 * Writes the new code into its segment (reserved and sized by the driver after the layout). Runs after
 * {@link RuntimeRewriter}: probes call runtime symbols; and after {@link CodePointersRewriter}: leas
 * of the functions it retargeted take their new entries.
 */
final class CodeRewriter implements OutputRewriter {
    @Override
    public String name() {
        return "code";
    }

    @Override
    public void run(RewriteState state) {
        RuntimeRewriter.Placed runtime = state.runtimePlaced;
        byte[] code = state.layout.emit(name -> runtime == null ? null : runtime.symbol(name), state.pointedEntries);
        if (code.length != state.layout.size()) {
            throw new IllegalStateException("the code written is not the size measured");
        }
        state.codeSegment.fill(code);
    }
}
