package org.ykrw.core.pass;

/**
 * A transformation of the lifted program before layout: it reads the IR, inserts probes into the
 * blocks of functions that move ({@link PassContext#isRelocated}), and may ask for the embedded
 * runtime. It never sees how ELF is read or written.
 */
public interface Pass {
    /** @return short kebab-case name, the same as its command-line flag ({@code coverage}, {@code trace}) */
    String name();

    /**
     * Runs the pass.
     *
     * @param context the program and what the pass may ask of the rewriter
     */
    void run(PassContext context);
}
