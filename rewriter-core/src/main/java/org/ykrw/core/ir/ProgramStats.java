package org.ykrw.core.ir;

/**
 * Summary figures of a lifted program (what {@code ykrw stats} prints).
 *
 * @param functions functions with a CFG (PLT stubs excluded)
 * @param pltStubs PLT stubs
 * @param skippedFunctions functions that would be left in place by the rewriter
 * @param blocks basic blocks
 * @param instructions instructions in those blocks
 * @param codeBytes bytes covered by those blocks
 * @param jumpTables jump tables resolved
 * @param unresolvedJumpTables indirect jumps that index memory like a table but could not be bounded
 * @param unresolvedIndirectJumps all indirect jumps left unresolved (pointer tail calls included)
 * @param unreachedBytes bytes of executable sections no block covers (padding, data, dead code)
 * @param liftMillis time spent lifting
 */
public record ProgramStats(int functions, int pltStubs, int skippedFunctions, long blocks, long instructions,
        long codeBytes, int jumpTables, int unresolvedJumpTables, int unresolvedIndirectJumps, long unreachedBytes,
        long liftMillis) {
    /** @return mean instructions per block */
    public double averageBlockInstructions() {
        return blocks == 0 ? 0 : instructions / (double) blocks;
    }

    /** @return mean bytes per block */
    public double averageBlockBytes() {
        return blocks == 0 ? 0 : codeBytes / (double) blocks;
    }
}
