package org.ykrw.passes.instrument;

import org.ykrw.core.ir.Block;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.Reg;

/**
 * A block-local, sound test that the flags are dead where a block starts: some instruction of the
 * block defines every status flag before any instruction reads one. Blocks where that is not decided
 * inside the block count as live.
 */
final class FlagsAtBlockStart {
    private static final long FLAGS = 1L << Reg.FLAGS;

    private FlagsAtBlockStart() {
    }

    /** @return true when a probe at the start of b may clobber the flags */
    static boolean dead(Block b) {
        for (Insn i : b.instructions()) {
            if ((i.regsRead() & FLAGS) != 0) {
                return false;
            }
            if ((i.regsWritten() & FLAGS) != 0) {
                return true;
            }
        }
        return false;
    }
}
