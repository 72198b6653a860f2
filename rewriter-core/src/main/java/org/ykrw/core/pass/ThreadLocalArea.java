package org.ykrw.core.pass;

import org.ykrw.core.diag.UnsupportedInputException;

/**
 * Thread-local bytes the runtime and the probes own, beside the program's own thread-local variables:
 * passes reserve them and address them as {@code %fs:tpoff}, with a constant thread-pointer offset known
 * as soon as they are reserved (docs/RUNTIME.md, "Thread-local storage").
 *
 * <p>How: x86-64 TLS is variant II. A thread's block for the executable ends at the thread pointer
 * (%fs base); a variable at offset {@code o} of the template has {@code tpoff = o - roundup(memsz,
 * align)} (the linker's constant and ld.so's/libc's placement agree on that). The output gets a new
 * template: the runtime's bytes first, then the program's template copied unchanged. Both the offset of
 * each program variable and the rounded size grow by the same amount, so every tpoff the program's code
 * holds stays valid; the runtime's bytes sit just below the program's block. A program without a
 * PT_TLS gets one holding only the runtime's bytes.
 *
 * <p>Reservations are carved downwards from the program's block, so an offset handed out never changes
 * when more is reserved later. Executables only: a shared library's block lies wherever ld.so puts it,
 * and its code reaches its variables by offsets from the block's start, which prepending would move.
 */
public final class ThreadLocalArea {
    /** The largest alignment a reservation may ask for (the template's segment is page-aligned). */
    public static final int MAX_ALIGN = 64;

    private final long programSize;
    private final long programAlign;
    private final String refusal;
    private final java.util.Map<String, Long> programVariables;
    /** bytes reserved so far below the program's rounded block, alignment padding included */
    private long reserved;
    private long align;

    /**
     * @param programSize p_memsz of the input's PT_TLS (0: none)
     * @param programAlign p_align of the input's PT_TLS (0 or 1 when it has none)
     * @param refusal why this output cannot get runtime thread-local bytes (one line), or null when it can
     */
    public ThreadLocalArea(long programSize, long programAlign, String refusal) {
        this(programSize, programAlign, refusal, java.util.Map.of());
    }

    /**
     * @param programSize p_memsz of the input's PT_TLS (0: none)
     * @param programAlign p_align of the input's PT_TLS (0 or 1 when it has none)
     * @param refusal why this output cannot get runtime thread-local bytes (one line), or null when it can
     * @param programVariables an executable's defined thread-local symbols: name -> offset in its template
     */
    public ThreadLocalArea(long programSize, long programAlign, String refusal, java.util.Map<String, Long> programVariables) {
        this.programVariables = java.util.Map.copyOf(programVariables);
        this.programSize = programSize;
        this.programAlign = Math.max(1, programAlign);
        this.align = this.programAlign;
        this.refusal = refusal;
    }

    /**
     * Reserves thread-local bytes for the runtime: each thread has its own copy, zero when the thread
     * starts.
     *
     * @param bytes how many
     * @param alignment their alignment, a power of two at most {@link #MAX_ALIGN}
     * @return their offset from the thread pointer (negative): address them as {@code %fs:offset}
     * @throws UnsupportedInputException when the output cannot have them (see {@link #refusal()})
     */
    public long reserve(int bytes, int alignment) {
        if (refusal != null) {
            throw new UnsupportedInputException(refusal);
        }
        if (bytes <= 0 || Integer.bitCount(alignment) != 1 || alignment > MAX_ALIGN) {
            throw new IllegalArgumentException("thread-local reservation of " + bytes + " bytes aligned " + alignment);
        }
        long end = programRounded() + reserved;
        long start = alignUp(end + bytes, alignment);
        reserved = start - programRounded();
        align = Math.max(align, alignment);
        return -start;
    }

    /**
     * @param name a thread-local variable the executable defines
     * @return its offset from the thread pointer (the same with or without reservations), or empty when the
     *     input is not an executable defining it
     */
    public java.util.OptionalLong programVariable(String name) {
        Long offset = programVariables.get(name);
        return offset == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(offset - programRounded());
    }

    /** @return true once something was reserved: the output then needs the new template */
    public boolean isUsed() {
        return reserved > 0;
    }

    /** @return why reservations are refused for this input, or null */
    public String refusal() {
        return refusal;
    }

    /** @return the program's block rounded to its own alignment: what its tpoffs are relative to */
    public long programRounded() {
        return alignUp(programSize, programAlign);
    }

    /** @return p_memsz of the input's template (0: it has none) */
    public long programSize() {
        return programSize;
    }

    /** @return the new template's alignment */
    public long align() {
        return align;
    }

    /**
     * @return bytes in front of the program's template in the new one: what was reserved, padded so that
     *     the whole block stays a multiple of {@link #align()} (variant II anchors its end at %fs)
     */
    public long prefix() {
        return alignUp(programRounded() + reserved, align) - programRounded();
    }

    /** @return the new template's p_memsz */
    public long templateSize() {
        return prefix() + programSize;
    }

    /** @return the new block rounded to its alignment: the thread pointer lies this far past its start */
    public long blockSize() {
        return prefix() + programRounded();
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }
}
