package org.ykrw.core;

import org.ykrw.core.ir.Function;

/**
 * Writes the jump at each moved function's old entry (planned by {@link MoveSelection} through
 * {@link EntryJumps}), and points the program's entry at the new code unless the runtime starts there
 * (the runtime chains to it).
 */
final class EntryJumpsRewriter implements OutputRewriter {
    @Override
    public String name() {
        return "entry-jumps";
    }

    @Override
    public void run(RewriteState state) {
        for (Function f : state.moved) {
            state.entryJumps.write(state.image, f, state.layout.newAddressOfFunction(f.entryAddress()));
        }
        if (state.runtime == null || state.runtimeStartsFromInit()) {
            state.image.setEntry(state.programEntryAfterRewrite());
        }
    }
}
