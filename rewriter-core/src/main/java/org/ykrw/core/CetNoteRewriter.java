package org.ykrw.core;

import org.ykrw.core.emit.CetProperties;

/**
 * Drops the input's CET claims (IBT, SHSTK) from its property note once code moved, since the new code
 * and the entry jumps do not keep CET's rules; says so among the pass notes.
 */
final class CetNoteRewriter implements OutputRewriter {
    @Override
    public String name() {
        return "cet-note";
    }

    @Override
    public void run(RewriteState state) {
        String cet = state.moved.isEmpty() ? null : CetProperties.dropClaims(state.elf, state.image);
        if (cet != null) {
            state.requests.note(cet);
        }
    }
}
