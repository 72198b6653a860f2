package org.ykrw.core.testutil;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.EdgeKind;
import org.ykrw.core.ir.Function;
import org.ykrw.core.x86.FlowKind;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.decode.CapstoneDecoder;

/**
 * IR built by hand, without an ELF file: machine code written as bytes, decoded by capstone at a chosen
 * address and cut into blocks where the test says, with the edges lifting would give (fall-through,
 * direct jumps and conditional jumps inside the function, returns). The public constructors of
 * {@link Function} and {@link org.ykrw.core.ir.Program} are all it needs.
 */
public final class HandBuilt {
    private HandBuilt() {
    }

    /** Machine code as a list of byte values, written as ints so tests can spell them in hex. */
    public static byte[] code(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return b;
    }

    /** @return the pieces, one after the other */
    public static byte[] concat(byte[]... pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : pieces) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** @return {@code n} one-byte nops */
    public static byte[] nops(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 0x90);
        return b;
    }

    /** @return every instruction of {@code code} decoded at {@code address} */
    public static List<Insn> decode(byte[] code, long address) {
        try (CapstoneDecoder d = new CapstoneDecoder()) {
            List<Insn> insns = d.decode(code, 0, code.length, address, 0);
            long end = insns.isEmpty() ? address : insns.get(insns.size() - 1).end();
            if (end != address + code.length) {
                throw new IllegalArgumentException("code does not decode to its end: stops at 0x" + Long.toHexString(end));
            }
            return insns;
        }
    }

    /**
     * A function with a built CFG.
     *
     * @param name its name
     * @param entry its entry address, where {@code code} is decoded
     * @param code its machine code
     * @param blockStarts where blocks start besides the entry and the instruction after each branch or return
     * @return the function, its blocks linked by edges
     */
    public static Function function(String name, long entry, byte[] code, long... blockStarts) {
        List<Insn> insns = decode(code, entry);
        List<Long> starts = new ArrayList<>();
        starts.add(entry);
        for (long s : blockStarts) {
            starts.add(s);
        }
        for (Insn i : insns) {
            if (i.flow() != FlowKind.SEQUENTIAL && i.flow() != FlowKind.CALL && i.end() < entry + code.length) {
                starts.add(i.end());
            }
        }
        Function f = new Function(entry, name);
        List<Insn> current = new ArrayList<>();
        for (Insn i : insns) {
            if (!current.isEmpty() && starts.contains(i.address())) {
                f.addBlock(current);
                current = new ArrayList<>();
            }
            current.add(i);
        }
        f.addBlock(current);
        for (Block b : f.blocks()) {
            Insn last = b.lastInstruction();
            Block next = blockAt(f, last.end());
            switch (last.flow()) {
                case JUMP -> f.addEdge(b, blockAt(f, last.target()), last.target(), EdgeKind.BRANCH);
                case COND_JUMP -> {
                    f.addEdge(b, blockAt(f, last.target()), last.target(), EdgeKind.CONDITIONAL);
                    f.addEdge(b, next, last.end(), EdgeKind.FALL_THROUGH);
                }
                case RETURN -> f.addEdge(b, null, 0, EdgeKind.RETURN);
                case SEQUENTIAL, CALL -> {
                    if (next != null) {
                        f.addEdge(b, next, last.end(), EdgeKind.FALL_THROUGH);
                    }
                }
                default -> { }
            }
        }
        f.setEndAddress(entry + code.length);
        f.setCfgBuilt();
        return f;
    }

    /** @return the block of {@code f} starting at {@code address}, or null */
    public static Block blockAt(Function f, long address) {
        for (Block b : f.blocks()) {
            if (b.address() == address) {
                return b;
            }
        }
        return null;
    }
}
