package org.ykrw.core.x86.decode;

/**
 * What the decoder needs to know of a mnemonic beyond capstone's groups, as bit flags computed once
 * per distinct mnemonic (the decoder keeps them beside its interned strings): string tests on every
 * one of 700k instructions cost more than the rest of classifying them.
 */
final class MnemonicKind {
    /** lea and the nops: the memory operand is an address, not an access */
    static final int ADDRESS_ONLY = 1;
    /** loop, loope, loopne: capstone 4 puts them in no jump group */
    static final int LOOP = 2;
    /** the unconditional jmp, also with a prefix capstone spells out ("bnd jmp", "notrack jmp") */
    static final int JMP = 4;
    /** ud0, ud1, ud2, hlt, int3: no fall-through */
    static final int TRAP = 8;

    private MnemonicKind() {
    }

    /** @return the flags of {@code mnemonic} */
    static int of(String mnemonic) {
        int kind = 0;
        if (mnemonic.equals("lea") || mnemonic.startsWith("nop")) {
            kind |= ADDRESS_ONLY;
        }
        if (mnemonic.startsWith("loop")) {
            kind |= LOOP;
        }
        // MPX-era PLTs jump with "bnd jmp rel32": taken for a conditional jump, it had a fall-through edge.
        if (mnemonic.equals("jmp") || mnemonic.endsWith(" jmp")) {
            kind |= JMP;
        }
        if (mnemonic.equals("ud2") || mnemonic.equals("ud1") || mnemonic.equals("ud0") || mnemonic.equals("hlt")
                || mnemonic.equals("int3")) {
            kind |= TRAP;
        }
        return kind;
    }
}
