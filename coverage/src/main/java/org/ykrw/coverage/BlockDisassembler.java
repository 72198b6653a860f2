package org.ykrw.coverage;

import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.decode.CapstoneDecoder;

/**
 * Disassembles the blocks of a map from the binary's bytes, for reports that show code. Decoding
 * from the map's addresses (instead of lifting the binary again) works on the original and on its
 * instrumented output alike, since instrumenting keeps the original code mapped where it was, except
 * the first bytes of each moved function, where a jump to its new code now stands: those are taken
 * from the map, which keeps every function's entry bytes as the input had them.
 */
public final class BlockDisassembler implements AutoCloseable {
    private final ElfFile elf;
    private final BlockMap map;
    private final CapstoneDecoder decoder = new CapstoneDecoder();

    /**
     * @param elf the binary whose bytes are decoded
     * @param map the map whose blocks are asked for (its entry bytes replace the file's)
     */
    public BlockDisassembler(ElfFile elf, BlockMap map) {
        this.elf = elf;
        this.map = map;
    }

    /**
     * @param block a block of the map
     * @return its instructions as {@code address: mnemonic operands} lines (empty when its bytes are
     *     not in a loaded segment of the binary)
     */
    public List<String> lines(MappedBlock block) {
        List<String> out = new ArrayList<>();
        for (Insn i : decode(block)) {
            out.add(String.format("%x: %s %s", i.address(), i.mnemonic(), i.opStr()).stripTrailing());
        }
        return out;
    }

    /**
     * @param block a block of the map
     * @return how many instructions it has, 0 when its bytes are not in a loaded segment (counting
     *     without formatting each one: an execution profile asks this of every block)
     */
    public int instructionCount(MappedBlock block) {
        return decode(block).size();
    }

    private List<Insn> decode(MappedBlock block) {
        if (elf.fileOffset(block.address()) < 0 || elf.fileOffset(block.endAddress() - 1) < 0) {
            return List.of();
        }
        byte[] code;
        try {
            code = elf.bytesAt(block.address(), block.size());
        } catch (IllegalArgumentException e) {
            return List.of();  // the block straddles two segments: not code this binary maps
        }
        restoreEntry(block, code);
        return decoder.sweep(code, 0, code.length, block.address());
    }

    /** Puts the input's entry bytes of the block's function over the file's where they overlap. */
    private void restoreEntry(MappedBlock block, byte[] code) {
        MappedFunction f = map.functionOf(block);
        byte[] entry = f.entryCode();
        long from = Math.max(f.address(), block.address());
        long to = Math.min(f.address() + entry.length, block.endAddress());
        for (long a = from; a < to; a++) {
            code[(int) (a - block.address())] = entry[(int) (a - f.address())];
        }
    }

    @Override
    public void close() {
        decoder.close();
    }
}
