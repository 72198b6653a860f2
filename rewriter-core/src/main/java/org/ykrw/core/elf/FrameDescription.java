package org.ykrw.core.elf;

/**
 * A Frame Description Entry of .eh_frame: the code range it covers. Stripped binaries keep these,
 * so they are the main source of function starts and ends when .symtab is gone.
 *
 * @param offset offset of the FDE inside .eh_frame
 * @param pcBegin first address covered
 * @param pcRange number of bytes covered
 * @param lsda address of the language-specific data area (.gcc_except_table), 0 if none
 */
public record FrameDescription(long offset, long pcBegin, long pcRange, long lsda) {
    /** @return the address just past the covered range */
    public long pcEnd() {
        return pcBegin + pcRange;
    }
}
