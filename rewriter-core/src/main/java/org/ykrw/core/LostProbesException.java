package org.ykrw.core;

import org.ykrw.core.diag.YkrwException;

/**
 * A pass put probes into functions that stay in place: only moved code is written anew, so those
 * probes would never run and the output would silently measure less than the pass asked for.
 */
public final class LostProbesException extends YkrwException {
    private static final long serialVersionUID = 1L;

    private final int functions;

    /**
     * @param functions how many functions that stay in place hold probes
     * @param example the name of one of them
     */
    public LostProbesException(int functions, String example) {
        super("probes in " + functions + " function(s) that stay in place (e.g. " + example + ") would be lost:"
                + " instrument only functions PassInput.isRelocated accepts, or set RewriteOptions.dropLostProbes");
        this.functions = functions;
    }

    /** @return how many functions that stay in place hold probes */
    public int functions() {
        return functions;
    }

    /** @return 70 (EX_SOFTWARE): a pass, not the input, is at fault */
    @Override
    public int exitStatus() {
        return 70;
    }
}
