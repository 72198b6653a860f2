package org.ykrw.core.pass;

import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;

/**
 * A transformation of the lifted program before layout: it reads the IR and what it may know of the
 * input ({@link PassInput}), inserts probes into the blocks of functions that move
 * ({@link PassInput#isRelocated}), and asks for what the output needs besides (a runtime, imports,
 * sections) through {@link PassRequests}. It never sees how ELF is read or written. A
 * {@link PassManager} runs passes in order.
 */
public interface Pass {
    /** @return short kebab-case name, the same as its command-line flag ({@code coverage}, {@code trace}) */
    String name();

    /**
     * Runs the pass.
     *
     * @param input the program and what the pass may read of the input
     * @param requests what the pass asks of the output
     */
    void run(PassInput input, PassRequests requests);

    /**
     * Whether the pass reads the program's functions and blocks. One that reads only the symbol views
     * and the input's code bytes ({@link PassInput#code}) says no, and a driver whose passes all say no
     * may skip CFG recovery (the longest phase on large programs): their {@link PassInput#program} is
     * then empty.
     *
     * @return true (the default) when the pass needs the lifted program
     */
    default boolean needsCfg() {
        return true;
    }

    /**
     * Whether the pass wants a function left where it is. The rewriter asks every pass before any of
     * them runs, while it chooses the functions that move (a function stays when one pass says so).
     * The layout pass keeps this way the functions whose calls would reach them through their old
     * entries anyway (entered mostly through pointers that cannot be retargeted): there they run as the
     * compiler laid them out, with no jump at their entry.
     *
     * @param program the lifted program
     * @param f a function of it that the rewriter could move
     * @return why it stays (the placements' reason, which {@code --report} lists), or null (the
     *     default) to let it move
     */
    default String reasonToStay(Program program, Function f) {
        return null;
    }
}
