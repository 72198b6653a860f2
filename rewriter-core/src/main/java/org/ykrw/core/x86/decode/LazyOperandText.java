package org.ykrw.core.x86.decode;

import org.ykrw.core.x86.Insn;

/**
 * Operand text on demand: the instruction is decoded again, from its own bytes at its own address,
 * which gives capstone's text exactly as the first decode would have. Only reports and renderings
 * ask for it, so the lock and the one decoder it keeps for the life of the process cost nothing
 * worth measuring, while lifting no longer makes a string per instruction.
 */
final class LazyOperandText implements Insn.OperandText {
    static final LazyOperandText SHARED = new LazyOperandText();

    /** opened at first use, kept open: the handle lives as long as the instructions may */
    private CapstoneDecoder decoder;

    private LazyOperandText() {
    }

    @Override
    public synchronized String of(Insn insn) {
        if (decoder == null) {
            decoder = new CapstoneDecoder();
        }
        return decoder.operandText(insn.bytes(), insn.address());
    }
}
