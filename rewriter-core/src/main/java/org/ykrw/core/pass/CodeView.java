package org.ykrw.core.pass;

/**
 * The input's executable bytes by address, without ELF: what a pass that patches code in place reads
 * to check what it overwrites (a {@code ret} already there, an {@code endbr64} to step over) when it
 * runs without a CFG ({@link Pass#needsCfg}).
 */
public interface CodeView {
    /** No code (a hand-built program). */
    CodeView NONE = (address, length) -> null;

    /**
     * @param address input address of the first byte
     * @param length how many bytes
     * @return the file's bytes there, or null unless the whole range is executable code backed by the file
     */
    byte[] bytes(long address, int length);

    /** @return true when {@code [address, address + length)} is executable code backed by the file */
    default boolean isCode(long address, int length) {
        return bytes(address, length) != null;
    }
}
