package org.ykrw.core.pass;

import java.util.Map;

/**
 * Code and data a pass adds to the output beside the relocated program: a position-independent
 * image (code at offset 0, data at {@code dataOffset}, both copied as they are), optionally a
 * run-file region (its own page-aligned read-write segment, which the runtime maps from a file at
 * start-up), and the symbol the output's entry point moves to.
 *
 * @param code the runtime's code (its text segment)
 * @param dataOffset where the data starts relative to the code, a multiple of the page size
 * @param data the runtime's initial data, bss included as zeros
 * @param symbols symbol name -> offset from the start of the code
 * @param entrySymbol the symbol the entry point moves to (it continues at the program's entry), or null
 * @param regionHeader initial bytes of the run-file region (empty: no region)
 * @param regionSize size of the region in bytes
 * @param configurer fills the runtime's data once every address is known
 * @param initSymbol in a shared library, the symbol DT_INIT moves to (it continues at the old DT_INIT
 *     given as {@code programEntry}, 0 when there was none), or null
 */
public record EmbeddedRuntime(byte[] code, int dataOffset, byte[] data, Map<String, Integer> symbols,
        String entrySymbol, byte[] regionHeader, long regionSize, Configurer configurer, String initSymbol) {

    /**
     * A data symbol of the runtime, two u64 (start, end, link-time): a range the rewriter asks the
     * runtime to make read-only once it starts (after ld.so relocated everything).
     */
    public static final String READ_ONLY_AFTER_START = "ykrw_read_only_after_start";

    /** A runtime that executables start from their entry point only. */
    public EmbeddedRuntime(byte[] code, int dataOffset, byte[] data, Map<String, Integer> symbols,
            String entrySymbol, byte[] regionHeader, long regionSize, Configurer configurer) {
        this(code, dataOffset, data, symbols, entrySymbol, regionHeader, regionSize, configurer, null);
    }

    /** Writes the runtime's configuration into its data, given the final addresses. */
    @FunctionalInterface
    public interface Configurer {
        /**
         * @param placement where everything went
         * @param data the runtime's data bytes to fill (as laid out at {@code placement.dataAddress()})
         */
        void configure(RuntimePlacement placement, java.nio.ByteBuffer data);
    }

    /**
     * Where the runtime and the code it serves ended up.
     *
     * @param codeAddress address of the runtime's code
     * @param dataAddress address of the runtime's data
     * @param regionAddress address of the run-file region (0: none)
     * @param sitesAddress address of the patch-site table (pairs of u64: site, trampoline), in the data
     * @param siteCount number of patch sites
     * @param instrumentedStart start of the relocated code
     * @param instrumentedEnd end of the relocated code
     * @param programEntry where the program's own entry point is now (a shared library: its old DT_INIT, or 0)
     * @param strictTable address of strict mode's table of moved functions' old ranges (0: not strict)
     * @param strictCount entries in that table
     * @param threadPointer when a pass reserved thread-local bytes ({@link ThreadLocalArea}): the end of the
     *     new thread-local template, which is also the early thread block's thread pointer; a reserved
     *     byte's template copy is at {@code threadPointer + tpoff}. 0: none reserved
     */
    public record RuntimePlacement(long codeAddress, long dataAddress, long regionAddress, long sitesAddress,
            int siteCount, long instrumentedStart, long instrumentedEnd, long programEntry, long strictTable,
            int strictCount, long threadPointer) {
    }

    /** @return the offset of a runtime symbol from the start of its code */
    public int offsetOf(String symbol) {
        Integer at = symbols.get(symbol);
        if (at == null) {
            throw new IllegalArgumentException("the runtime has no symbol " + symbol);
        }
        return at;
    }
}
