package org.ykrw.core.dwarf;

/**
 * What unwind information is read for; the one reader of each structure ({@link EhFrame}, {@link Lsda})
 * behaves as its user needs.
 */
public enum ReadFor {
    /**
     * Finding code: only ranges, LSDAs and landing pads matter, so what is not understood is passed
     * over (CIE version 4 read, an augmentation's letters read up to the first unknown one, pointer
     * applications other than pc-relative taken as absolute) and the section ends at its first zero
     * terminator, as libgcc's walk over registered frames does. Errors name the data ".eh_frame" and
     * "LSDA".
     */
    LIFTING(".eh_frame", "LSDA"),
    /**
     * Writing it again elsewhere: everything must be understood to be re-encoded, so what is not is an
     * {@link UnwindRewriteException}; every entry is read (static links hold several terminators), with
     * raw bytes kept for copying. Errors name the data "unwind information".
     */
    REWRITING("unwind information", "unwind information");

    private final String frameName;
    private final String lsdaName;

    ReadFor(String frameName, String lsdaName) {
        this.frameName = frameName;
        this.lsdaName = lsdaName;
    }

    /** @return the name .eh_frame reading errors give the data */
    String frameName() {
        return frameName;
    }

    /** @return the name LSDA reading errors give the data */
    String lsdaName() {
        return lsdaName;
    }
}
