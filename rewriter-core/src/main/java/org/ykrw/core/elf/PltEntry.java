package org.ykrw.core.elf;

/**
 * A PLT stub (in .plt, .plt.sec or .plt.got) and the symbol it jumps to.
 *
 * @param address address of the stub callers branch to
 * @param size stub size in bytes
 * @param symbolName the imported function's name
 * @param gotAddress the GOT slot the stub jumps through
 */
public record PltEntry(long address, int size, String symbolName, long gotAddress) {
}
