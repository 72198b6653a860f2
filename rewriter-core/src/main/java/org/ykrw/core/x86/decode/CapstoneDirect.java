package org.ykrw.core.x86.decode;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The two capstone functions called once per decoded window, bound with JNA's direct mapping: a
 * native method per function instead of an interface proxy, which saves the reflective call and
 * argument conversion on every one of the ~15k calls a large program needs. {@code size_t} and
 * {@code csh} are 64-bit on x86-64 Linux, so they are plain longs here. Loaded after
 * {@link CapstoneLibrary}, which reports a missing library in one line.
 */
final class CapstoneDirect {
    static {
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance("libcapstone.so.4");
        } catch (UnsatisfiedLinkError e) {
            lib = NativeLibrary.getInstance("capstone");
        }
        Native.register(CapstoneDirect.class, lib);
    }

    private CapstoneDirect() {
    }

    /** size_t cs_disasm(csh handle, const uint8_t *code, size_t code_size, uint64_t address, size_t count, cs_insn **insn) */
    static native long cs_disasm(long handle, Pointer code, long codeSize, long address, long count, Pointer insn);

    /** void cs_free(cs_insn *insn, size_t count) */
    static native void cs_free(Pointer insn, long count);

    /** const char *cs_reg_name(csh handle, unsigned int reg_id): asked for every register id once per process */
    static native Pointer cs_reg_name(long handle, int regId);
}
