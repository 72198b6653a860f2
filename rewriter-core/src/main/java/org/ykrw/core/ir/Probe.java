package org.ykrw.core.ir;

import org.ykrw.core.x86.encode.CodeWriter;

/**
 * Code a pass inserts before an instruction of a relocated block (a coverage counter, a call to a
 * tracing function). The layout runs {@link #emit} twice at the same addresses, once measuring and
 * once writing, so the bytes may depend on the current address (alignment) but on nothing that
 * changes between the two runs; addresses of runtime symbols and trampolines come from the context
 * and are placeholders while measuring, so only fixed-size (rel32, disp32) forms may refer to them.
 *
 * <p>A probe must leave the program's state as it found it: every register and flag it touches is
 * dead there or saved, the 128-byte red zone below rsp is left alone.
 */
public interface Probe {
    /**
     * Writes the probe.
     *
     * @param w the writer, positioned where the probe goes
     * @param context runtime symbols, trampolines and patch sites
     */
    void emit(CodeWriter w, ProbeContext context);
}
