package org.ykrw.core.pass;

/**
 * The one embedded runtime of an output, as passes build it together: the first pass that asks
 * {@link PassRequests#runtime} creates it, later passes get the same object and add their parts
 * (flags, configuration, run-file regions); the rewriter calls {@link #embed} once, after the last
 * pass.
 */
public interface RuntimeRequest {
    /** @return the runtime with every part the passes added */
    EmbeddedRuntime embed();
}
