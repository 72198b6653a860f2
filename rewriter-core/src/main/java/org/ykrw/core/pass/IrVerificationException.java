package org.ykrw.core.pass;

import org.ykrw.core.diag.YkrwException;

/**
 * The IR broke one of its invariants ({@link CfgVerifier}) after a pass ran: a bug of that pass (or,
 * after {@code lift}, of lifting), not of the input.
 */
public final class IrVerificationException extends YkrwException {
    private static final long serialVersionUID = 1L;

    private final String pass;
    private final String invariant;

    /**
     * @param pass the pass after which the IR was checked ({@code lift}: before any pass)
     * @param invariant what is broken, in one line
     */
    public IrVerificationException(String pass, String invariant) {
        super("--verify: after " + pass + ": " + invariant);
        this.pass = pass;
        this.invariant = invariant;
    }

    /** @return the pass after which the check failed */
    public String pass() {
        return pass;
    }

    /** @return the broken invariant, in one line */
    public String invariant() {
        return invariant;
    }

    /** @return 70 (EX_SOFTWARE): ykrw or a pass is at fault, not the input */
    @Override
    public int exitStatus() {
        return 70;
    }
}
