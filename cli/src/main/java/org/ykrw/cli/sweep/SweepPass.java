package org.ykrw.cli.sweep;

import java.nio.file.Path;

/**
 * What the sweep does to each program before running it (a strategy): today the null rewrite, later
 * the tracing and coverage passes. A pass refuses a program by throwing a one-line
 * {@link org.ykrw.core.diag.YkrwException}; any other throwable is a ykrw bug.
 */
public interface SweepPass {
    /** @return the name given to {@code --pass} */
    String name();

    /**
     * @param input the original program (a private copy, never a system file)
     * @param output where the transformed program goes, with the input's permissions
     */
    void apply(Path input, Path output);
}
