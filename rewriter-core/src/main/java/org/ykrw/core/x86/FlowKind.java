package org.ykrw.core.x86;

/** How an instruction passes control on, as CFG recovery and layout need to know it. */
public enum FlowKind {
    /** Ordinary instruction: control falls through to the next one. */
    SEQUENTIAL,
    /** Direct unconditional jump (jmp rel8/rel32); {@link Insn#target()} is set. */
    JUMP,
    /** Direct conditional branch (jcc, loop*, jrcxz); falls through when not taken. */
    COND_JUMP,
    /** Direct call (call rel32). */
    CALL,
    /** Jump through a register or memory operand (jump tables, tail calls through pointers). */
    INDIRECT_JUMP,
    /** Call through a register or memory operand. */
    INDIRECT_CALL,
    /** ret / retf / iret. */
    RETURN,
    /** Ends execution of the path: ud2, hlt, int3 used as a trap. No fall-through edge. */
    TRAP,
    /** Bytes capstone could not decode. */
    INVALID;

    /** @return true when the instruction can continue at the next address */
    public boolean fallsThrough() {
        return this == SEQUENTIAL || this == COND_JUMP || this == CALL || this == INDIRECT_CALL;
    }

    /** @return true when the instruction ends a basic block */
    public boolean endsBlock() {
        return this != SEQUENTIAL;
    }

    /** @return true for a direct branch or call whose target is encoded in the instruction */
    public boolean isDirect() {
        return this == JUMP || this == COND_JUMP || this == CALL;
    }
}
