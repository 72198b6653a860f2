package org.ykrw.core.ir;

/**
 * An indirect jump whose targets could not be recovered.
 *
 * @param address address of the jump
 * @param function the function holding it
 * @param reason one phrase saying what was missing
 * @param looksLikeTable true when it indexes memory like a jump table (a real miss, not a pointer tail call)
 */
public record UnresolvedJump(long address, Function function, String reason, boolean looksLikeTable) {
}
