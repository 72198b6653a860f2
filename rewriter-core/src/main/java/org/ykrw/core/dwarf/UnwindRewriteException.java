package org.ykrw.core.dwarf;

/**
 * Unwind information that is well formed but cannot be written for the moved code (an encoding we do not
 * re-encode, a value that no longer fits). The rewrite goes on without new unwind information; the
 * driver reports the message.
 */
public final class UnwindRewriteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what could not be written */
    public UnwindRewriteException(String message) {
        super(message);
    }
}
