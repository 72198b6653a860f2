package org.ykrw.coverage;

import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.decode.CapstoneDecoder;

/**
 * Disassembles the blocks of a map from the binary's bytes, for reports that show code. Decoding
 * from the map's addresses (instead of lifting the binary again) works on the original and on its
 * instrumented output alike, since instrumenting keeps the original code mapped where it was.
 */
public final class BlockDisassembler implements AutoCloseable {
    private final ElfFile elf;
    private final CapstoneDecoder decoder = new CapstoneDecoder();

    /** @param elf the binary whose bytes are decoded */
    public BlockDisassembler(ElfFile elf) {
        this.elf = elf;
    }

    /**
     * @param block a block of the map
     * @return its instructions as {@code address: mnemonic operands} lines (empty when its bytes are
     *     not in a loaded segment of the binary)
     */
    public List<String> lines(MappedBlock block) {
        if (elf.fileOffset(block.address()) < 0 || elf.fileOffset(block.endAddress() - 1) < 0) {
            return List.of();
        }
        byte[] code;
        try {
            code = elf.bytesAt(block.address(), block.size());
        } catch (IllegalArgumentException e) {
            return List.of();  // the block straddles two segments: not code this binary maps
        }
        List<String> out = new ArrayList<>();
        for (Insn i : decoder.sweep(code, 0, code.length, block.address())) {
            out.add(String.format("%x: %s %s", i.address(), i.mnemonic(), i.opStr()).stripTrailing());
        }
        return out;
    }

    @Override
    public void close() {
        decoder.close();
    }
}
