package org.ykrw.core.layout;

import org.ykrw.core.ir.Function;

/**
 * Why a function is or is not moved to the new code segment.
 *
 * @param function the function
 * @param reason null when it is relocated, else why it stays where it is
 */
public record FunctionPlacement(Function function, String reason) {
    /** @return true when the function is relocated */
    public boolean relocated() {
        return reason == null;
    }
}
