package org.ykrw.core;

/**
 * One output concern of a rewrite (jump tables, entry jumps, the runtime, the dynamic tables, symbols,
 * unwind tables, ...): it writes its part of the output image from the shared {@link RewriteState}.
 * The driver runs them in one declared order ({@link Rewriter#OUTPUT_REWRITERS}), after the layout;
 * what one needs from another (a segment's address, a patched addend) is there by then because of
 * that order, which each one's javadoc states. (LLVM BOLT's metadata rewriters, run by its
 * RewriteInstance, follow the same idea.)
 */
interface OutputRewriter {
    /** @return a short kebab-case name, used as its phase name in timings */
    String name();

    /**
     * Writes this concern's part of the output.
     *
     * @param state the rewrite so far; the image to write into is {@link RewriteState#image}
     */
    void run(RewriteState state);
}
