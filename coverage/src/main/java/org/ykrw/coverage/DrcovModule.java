package org.ykrw.coverage;

import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;

/**
 * The one module of a drcov file: where the binary was loaded and where block offsets count from.
 * Lighthouse and bncov add a block's offset to the image base of their database, which for an ELF is
 * the link-time address of the lowest PT_LOAD (0 for PIE, usually 0x400000 otherwise); so offsets are
 * input addresses minus that link-time base, while the table's base, end and entry are run-time
 * addresses (link-time plus the load bias), as DynamoRIO writes them.
 *
 * @param path path of the binary (the name tools match against their database's file name)
 * @param linkBase link-time address of the lowest PT_LOAD, page-aligned down
 * @param linkEnd link-time end of the highest PT_LOAD, page-aligned up
 * @param linkEntry link-time entry point
 * @param loadBias run-time minus link-time address
 */
public record DrcovModule(String path, long linkBase, long linkEnd, long linkEntry, long loadBias) {
    private static final long PAGE = 0x1000;

    /**
     * @param elf the binary (the original, or its instrumented output: both keep the original's
     *     lowest segment at the same address)
     * @param path path to record
     * @param loadBias the run's load bias
     * @return the module
     */
    public static DrcovModule of(ElfFile elf, String path, long loadBias) {
        long low = Long.MAX_VALUE;
        long high = 0;
        for (Segment s : elf.segments()) {
            if (s.isLoad()) {
                low = Math.min(low, s.vaddr());
                high = Math.max(high, s.vaddr() + s.memsz());
            }
        }
        if (low == Long.MAX_VALUE) {
            low = 0;
        }
        return new DrcovModule(path, low & -PAGE, (high + PAGE - 1) & -PAGE, elf.entry(), loadBias);
    }

    /** @return run-time address of the module's first byte */
    public long base() {
        return linkBase + loadBias;
    }

    /** @return run-time address just past the module */
    public long end() {
        return linkEnd + loadBias;
    }

    /** @return run-time entry point */
    public long entry() {
        return linkEntry + loadBias;
    }
}
