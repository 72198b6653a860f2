package org.ykrw.core.x86.encode;

/** The 16 x86 condition codes, with the 4-bit code used in {@code 7x rel8} and {@code 0f 8x rel32}. */
public enum Condition {
    O(0), NO(1), B(2), AE(3), E(4), NE(5), BE(6), A(7), S(8), NS(9), P(10), NP(11), L(12), GE(13), LE(14), G(15);

    private final int code;

    Condition(int code) {
        this.code = code;
    }

    /** @return the condition's 4-bit code */
    public int code() {
        return code;
    }

    /** values() copies the array each call; every relocated conditional jump asks. */
    private static final Condition[] BY_CODE = values();

    /** @return the condition with this 4-bit code */
    public static Condition ofCode(int code) {
        return BY_CODE[code & 15];
    }

    /**
     * @param mnemonic a conditional jump mnemonic with any of its aliases ("jne", "jnz", "jc", "jnae" ...)
     * @return its condition
     */
    public static Condition ofMnemonic(String mnemonic) {
        String m = mnemonic.startsWith("j") ? mnemonic.substring(1) : mnemonic;
        return switch (m) {
            case "o" -> O;
            case "no" -> NO;
            case "b", "c", "nae" -> B;
            case "ae", "nb", "nc" -> AE;
            case "e", "z" -> E;
            case "ne", "nz" -> NE;
            case "be", "na" -> BE;
            case "a", "nbe" -> A;
            case "s" -> S;
            case "ns" -> NS;
            case "p", "pe" -> P;
            case "np", "po" -> NP;
            case "l", "nge" -> L;
            case "ge", "nl" -> GE;
            case "le", "ng" -> LE;
            case "g", "nle" -> G;
            default -> throw new IllegalArgumentException("not a conditional jump: " + mnemonic);
        };
    }
}
