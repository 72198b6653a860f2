package org.ykrw.core;

/**
 * Copies and extends the dynamic tables when the passes asked for dynamic-linking changes or a shared
 * library's runtime starts from DT_INIT (see {@link DynamicLinking}). Runs after
 * {@link RuntimeRewriter} (imports, exports and DT_INIT are runtime addresses) and after
 * {@link JumpTableRewriter} (the copied .rela.dyn carries retargeted addends).
 */
final class DynamicTablesRewriter implements OutputRewriter {
    @Override
    public String name() {
        return "dynamic-tables";
    }

    @Override
    public void run(RewriteState state) {
        if (state.dynamic == null) {
            return;
        }
        RuntimeRewriter.Placed runtime = state.runtimePlaced;
        DynamicLinking.apply(state.dynamic, state.image, state.linking, state.requests, state.runtime, name -> runtime.symbol(name));
    }
}
