package org.ykrw.core.cfg;

/**
 * Tiny symbolic values for jump-table recovery: what a register holds at an indirect jump, expressed
 * over constants (table addresses), one index variable, memory loads and additions.
 */
sealed interface SymbolicValue {
    /**
     * The value of register {@code reg} as instruction {@code at} reads it, times {@code scale}: the
     * table index, whose bound is searched backwards from {@code at}.
     */
    record Index(int reg, long at, int scale) {
    }

    /** {@code constant + index} (index may be null): addresses and plain constants. */
    record Sum(long constant, Index index) implements SymbolicValue {
        boolean isConstant() {
            return index == null;
        }
    }

    /** A memory load of {@code size} bytes from {@code address}. */
    record Load(Sum address, int size) implements SymbolicValue {
    }

    /** The sum of two values. */
    record Add(SymbolicValue left, SymbolicValue right) implements SymbolicValue {
    }

    /** Anything else. */
    record Unknown(String why) implements SymbolicValue {
    }
}
