package org.ykrw.core.ir;

import java.util.function.Consumer;
import org.ykrw.core.x86.encode.CodeWriter;

/** What a {@link Probe} may ask of the layout while it is written. */
public interface ProbeContext {
    /**
     * @param name a symbol of the embedded runtime (e.g. {@code ykrw_trace_stub}) or of the layout
     *     ({@link #RUN_FILE_REGION}, {@link #TRACE_REGION}: the first byte of that run-file region)
     * @return its output address (a placeholder while measuring)
     */
    long symbol(String name);

    /**
     * Adds out-of-line code placed after all relocated functions (for code that runs only on some
     * executions, e.g. behind a patchable site). {@code body} receives a writer at the trampoline's
     * address and must write the same number of bytes every time it is called.
     *
     * @param body writes the trampoline
     * @return the trampoline's address (a placeholder while measuring)
     */
    long trampoline(Consumer<CodeWriter> body);

    /**
     * Records a 5-byte patch site the runtime rewrites at run time (between a 5-byte NOP and a
     * {@code jmp trampoline}); the probe must place it so that at least its first two bytes share an
     * 8-byte word (all five, when the runtime rewrites it with one 8-byte store).
     *
     * @param site address of the site's first byte
     * @param trampoline where the site jumps when enabled
     * @return the site's number (its position in the runtime's site table)
     */
    int patchSite(long site, long trampoline);

    /** Name of the run-file region of counters (coverage, counts) for {@link #symbol}. */
    String RUN_FILE_REGION = "ykrw.region";

    /** Name of the embedded trace recorder's run-file region for {@link #symbol}. */
    String TRACE_REGION = "ykrw.trace-region";
}
