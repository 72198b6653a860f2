package org.ykrw.core.x86.encode;

import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;

/**
 * Re-encodes decoded instructions at a new address: rip-relative operands keep their absolute
 * target, direct branches and calls get a new target, rel8-only branches (loop, jrcxz) are expanded.
 */
public final class Relocator {
    private Relocator() {
    }

    /**
     * Copies a non-branch instruction to {@code w.address()}, fixing a rip-relative displacement so the
     * operand still reaches {@link Insn#ripTarget()}.
     */
    public static void relocate(CodeWriter w, Insn insn) {
        if (insn.isRipRelative()) {
            relocate(w, insn, insn.ripTarget());
        } else if (insn.flow().isDirect()) {
            throw new IllegalArgumentException("use branch() for " + insn);
        } else {
            w.copy(insn);
        }
    }

    /**
     * Copies a non-branch instruction with a rip-relative operand to {@code w.address()}, its operand
     * now reaching {@code ripTarget} (a code pointer taken as a moved function's new entry).
     */
    public static void relocate(CodeWriter w, Insn insn, long ripTarget) {
        if (insn.flow().isDirect()) {
            throw new IllegalArgumentException("use branch() for " + insn);
        }
        if (insn.dispSize() != 4) {
            throw new IllegalStateException("rip-relative operand without a 32-bit displacement: " + insn);
        }
        long newEnd = w.address() + insn.length();
        long rel = ripTarget - newEnd;
        if (!CodeWriter.fitsInt32(rel)) {
            throw new DisplacementOutOfRangeException(w.address(), ripTarget, 4);
        }
        int at = w.size();
        w.copy(insn);
        w.patch32(at + insn.dispOffset(), rel);
    }

    /** @return true for {@code lea reg, [rip + disp32]}: the instruction that takes a code address in PIC */
    public static boolean isRipLea(Insn insn) {
        return insn.isRipRelative() && "lea".equals(insn.mnemonic());
    }

    /**
     * Emits a direct jump, conditional branch or call to {@code newTarget} at {@code w.address()}.
     *
     * @param shortForm use the 2-byte rel8 form (the caller's layout decided it is in range)
     */
    public static void branch(CodeWriter w, Insn insn, long newTarget, boolean shortForm) {
        switch (insn.flow()) {
            case CALL -> w.call(newTarget);
            case JUMP -> {
                if (shortForm) {
                    w.jmpShort(newTarget);
                } else {
                    w.jmp(newTarget);
                }
            }
            case COND_JUMP -> conditional(w, insn, newTarget, shortForm);
            default -> throw new IllegalArgumentException("not a direct branch: " + insn);
        }
    }

    /**
     * @return the size {@link #branch} will emit: worked out here rather than measured, because the
     *     layout asks it of every branch it moves
     */
    public static int branchSize(Insn insn, boolean shortForm) {
        return switch (insn.flow()) {
            case CALL -> 5;
            case JUMP -> shortForm ? 2 : 5;
            case COND_JUMP -> conditionalSize(insn, shortForm);
            default -> throw new IllegalArgumentException("not a direct branch: " + insn);
        };
    }

    /** @return the size {@link #conditional} emits: jcc rel8 or rel32, or the expansion of loop and jrcxz */
    private static int conditionalSize(Insn insn, boolean shortForm) {
        int op = opcodeIndex(insn);
        int first = insn.byteAt(op);
        if (first >= 0x70 && first <= 0x7F || first == 0x0F) {
            return shortForm ? 2 : 6;
        }
        if (first == XBEGIN) {
            return 6;
        }
        if (shortForm) {
            throw new IllegalArgumentException(insn.mnemonic() + " has no short form after relocation");
        }
        return op + 2 + 2 + 5;   // prefixes, <op> +2, jmp short +5, jmp rel32
    }

    private static void conditional(CodeWriter w, Insn insn, long target, boolean shortForm) {
        int op = opcodeIndex(insn);
        int first = insn.byteAt(op);
        if (first >= 0x70 && first <= 0x7F || first == 0x0F) {
            Condition cc = Condition.ofCode(first == 0x0F ? insn.byteAt(op + 1) : first);
            if (shortForm) {
                w.jccShort(cc, target);
            } else {
                w.jcc(cc, target);
            }
            return;
        }
        if (first == XBEGIN) {
            // xbegin's operand is where an aborted transaction resumes: C7 F8 rel32 (the 66-prefixed
            // rel16 form is dropped with the other prefixes). It has no rel8 form to expand.
            w.bytes((byte) XBEGIN, (byte) 0xF8);
            long rel = target - (w.address() + 4);
            w.bytes((byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), (byte) (rel >> 24));
            return;
        }
        // loop/loope/loopne/jrcxz/jecxz exist only with rel8: keep the instruction, aimed two bytes
        // ahead at a rel32 jmp to the real target, and step over that jmp when not taken:
        //   <op> +2 ; jmp short +5 ; jmp target
        byte[] prefix = java.util.Arrays.copyOf(insn.bytes(), op);
        w.bytes(prefix);
        w.bytes((byte) first, (byte) 2);
        w.bytes((byte) 0xEB, (byte) 5);
        w.jmp(target);
        if (shortForm) {
            throw new IllegalArgumentException(insn.mnemonic() + " has no short form after relocation");
        }
    }

    /** First opcode byte of xbegin (C7 F8), which capstone counts among the conditional branches. */
    private static final int XBEGIN = 0xC7;

    /** @return index of the opcode byte after legacy prefixes (branch hints and bnd are dropped by re-encoding) */
    private static int opcodeIndex(Insn insn) {
        int i = 0;
        while (i < insn.length()) {
            int b = insn.byteAt(i);
            if (b == 0xF2 || b == 0xF3 || b == 0x2E || b == 0x3E || b == 0x26 || b == 0x36 || b == 0x64 || b == 0x65
                    || b == 0x66 || b == 0x67) {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    /** @return true for a jmp or jcc that has a rel8 form (loop and jrcxz have nothing else, and expand) */
    public static boolean hasShortForm(Insn insn) {
        if (insn.flow() != FlowKind.JUMP && insn.flow() != FlowKind.COND_JUMP) {
            return false;
        }
        int op = insn.byteAt(opcodeIndex(insn));
        return (op < 0xE0 || op > 0xE3) && op != XBEGIN;
    }

    /** @return true when the instruction is encoded with a rel8 displacement (jmp short, jcc short) */
    public static boolean isShortEncoded(Insn insn) {
        int op = insn.byteAt(opcodeIndex(insn));
        return op == 0xEB || op >= 0x70 && op <= 0x7F;
    }

    /** @return true for a jcc (not loop, jrcxz or xbegin): one whose condition can be inverted */
    public static boolean isInvertible(Insn insn) {
        if (insn.flow() != FlowKind.COND_JUMP) {
            return false;
        }
        int op = insn.byteAt(opcodeIndex(insn));
        return op >= 0x70 && op <= 0x7F || op == 0x0F;
    }

    /**
     * Writes a jcc with the opposite condition, to {@code newTarget} (the layout inverts a branch whose
     * taken side it places next, so the hot side falls through). Same sizes as {@link #branch}.
     */
    public static void branchInverted(CodeWriter w, Insn insn, long newTarget, boolean shortForm) {
        if (!isInvertible(insn)) {
            throw new IllegalArgumentException("cannot invert " + insn);
        }
        int op = opcodeIndex(insn);
        int first = insn.byteAt(op);
        Condition cc = Condition.ofCode((first == 0x0F ? insn.byteAt(op + 1) : first) ^ 1);
        if (shortForm) {
            w.jccShort(cc, newTarget);
        } else {
            w.jcc(cc, newTarget);
        }
    }

    /** @return true when the instruction is a direct branch the relocator re-encodes */
    public static boolean isBranch(Insn insn) {
        return insn.flow() == FlowKind.JUMP || insn.flow() == FlowKind.COND_JUMP || insn.flow() == FlowKind.CALL;
    }
}
