package org.ykrw.core.elf;

import java.util.Optional;

/**
 * Where a V8 embedder (node) keeps V8's builtins: one blob of machine code in {@code .text}, made at
 * V8's build time by {@code mksnapshot} and linked in as bytes, from {@code v8_Default_embedded_blob_code_}
 * for {@code v8_Default_embedded_blob_code_size_} bytes (a 32-bit value in {@code .rodata}). The
 * {@code Builtins_*} symbols name the builtins inside it.
 *
 * <p>V8 finds this code by address, never by symbol: it calls a builtin at the blob's start plus the
 * offset its metadata ({@code v8_Default_embedded_blob_data_}, in {@code .rodata}) records, and its
 * stack walker takes a frame for a builtin's when its pc lies inside {@code [code, code + size)}. So the
 * blob's bytes, and every function inside them, must stay exactly where they are. The code outside the
 * blob is ordinary C++: V8 reaches it through function pointers (its external-reference table), which
 * reach a moved function's old entry and its jump to the new code.
 *
 * @param codeStart first byte of the blob's code
 * @param codeEnd first byte past it
 */
public record V8EmbeddedBlob(long codeStart, long codeEnd) {
    /** The blob's start: a label emitted by V8's embedded-file writer. */
    public static final String CODE_SYMBOL = "v8_Default_embedded_blob_code_";
    /** A 32-bit variable holding the blob's code size. */
    public static final String CODE_SIZE_SYMBOL = "v8_Default_embedded_blob_code_size_";
    /** Exported by every V8 embedder: how a stripped one is still recognised. */
    static final String ACCESSOR_SYMBOL = "_ZNK2v88internal7Isolate18embedded_blob_codeEv";

    /**
     * @param elf any input
     * @return true when the file embeds V8 (its symbols name the blob or V8's accessor of it)
     */
    public static boolean isV8Embedder(ElfFile elf) {
        return find(elf, CODE_SYMBOL) != null || find(elf, ACCESSOR_SYMBOL) != null;
    }

    /**
     * @param elf any input
     * @return the blob's code range, when the file embeds V8 and its symbols say where the blob lies
     *     and how long it is, and that range is executable code of the file; else empty
     */
    public static Optional<V8EmbeddedBlob> locate(ElfFile elf) {
        ElfSymbol code = find(elf, CODE_SYMBOL);
        ElfSymbol size = find(elf, CODE_SIZE_SYMBOL);
        if (code == null || size == null || !elf.isMapped(size.value()) || !elf.isMapped(size.value() + 3)) {
            return Optional.empty();
        }
        long length = elf.readI32(size.value()) & 0xFFFF_FFFFL;
        long start = code.value();
        long end = start + length;
        // The whole range must be file-backed code of one executable section: a range read wrong
        // would pin the wrong code and leave the blob to move.
        Section text = elf.sectionContaining(start);
        if (length == 0 || text == null || !text.isExecutable() || end > text.address() + text.size()
                || !elf.isExecutableAddress(end - 1)) {
            return Optional.empty();
        }
        return Optional.of(new V8EmbeddedBlob(start, end));
    }

    /** @return true when [start, end) shares a byte with the blob's code */
    public boolean overlaps(long start, long end) {
        return start < codeEnd && end > codeStart;
    }

    private static ElfSymbol find(ElfFile elf, String name) {
        for (ElfSymbol s : elf.allSymbols()) {
            if (s.isDefined() && s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
