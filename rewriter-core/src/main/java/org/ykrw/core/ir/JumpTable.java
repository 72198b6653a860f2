package org.ykrw.core.ir;

import java.util.List;

/**
 * A jump table found behind an indirect jump.
 *
 * @param kind how entries encode targets
 * @param tableAddress address of the first entry
 * @param entrySize 4 (relative) or 8 (absolute)
 * @param base the address RELATIVE entries are added to (the table address for gcc and clang)
 * @param targets one target per entry, in table order (duplicates kept)
 * @param jumpAddress address of the indirect jump that uses the table
 * @param function the function holding the jump
 */
public record JumpTable(Kind kind, long tableAddress, int entrySize, long base, List<Long> targets, long jumpAddress,
        Function function) {
    /** Entry encodings. */
    public enum Kind {
        /** Signed 32-bit offsets from {@code base}: {@code lea base; movsxd; add; jmp}. */
        RELATIVE,
        /** 64-bit absolute addresses: {@code jmp [table + index*8]}. */
        ABSOLUTE
    }

    /** @return number of entries */
    public int entryCount() {
        return targets.size();
    }
}
