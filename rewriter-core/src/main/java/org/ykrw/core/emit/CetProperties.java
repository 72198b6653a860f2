package org.ykrw.core.emit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;

/**
 * The input's claim to Intel CET (the x86 feature bits of its GNU property note): IBT says every
 * indirect branch lands on an {@code endbr64}, SHSTK that return addresses are never forged. Code that
 * ykrw moves and instruments keeps neither promise provably (probes go before a block's first
 * instruction, trampolines are entered by jumps), so an output that moved code drops both claims
 * rather than make one it cannot keep; a loader that enforces CET then runs it without, as it runs
 * any unmarked program.
 */
public final class CetProperties {
    private static final int NT_GNU_PROPERTY_TYPE_0 = 5;
    private static final int GNU_PROPERTY_X86_FEATURE_1_AND = 0xc0000002;
    /** GNU_PROPERTY_X86_FEATURE_1_IBT | GNU_PROPERTY_X86_FEATURE_1_SHSTK */
    private static final int IBT_AND_SHSTK = 0x3;

    private CetProperties() {
    }

    /**
     * Clears the IBT and SHSTK bits of the input's property note in the output.
     *
     * @return a line for the report when a claim was dropped, else null
     */
    public static String dropClaims(ElfFile elf, ElfImageBuilder image) {
        Segment note = elf.segmentOfType(Segment.PT_GNU_PROPERTY);
        // a damaged header may point the property segment anywhere: only a note ld.so could read counts
        if (note == null || note.filesz() < 16 || note.filesz() > 4096 || elf.fileOffset(note.vaddr()) < 0
                || elf.fileOffset(note.vaddr() + note.filesz() - 1) != elf.fileOffset(note.vaddr()) + note.filesz() - 1) {
            return null;
        }
        byte[] bytes = elf.bytesAt(note.vaddr(), (int) note.filesz());
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 12 <= bytes.length;) {
            int nameSize = b.getInt(at), descSize = b.getInt(at + 4), type = b.getInt(at + 8);
            int desc = at + align(12 + nameSize, 8); // 64-bit property notes align name and desc to 8
            if (nameSize < 0 || descSize < 0 || desc + descSize > bytes.length) {
                return null;
            }
            if (type == NT_GNU_PROPERTY_TYPE_0) {
                for (int p = desc; p + 8 <= desc + descSize;) {
                    int prType = b.getInt(p), prSize = b.getInt(p + 4);
                    if (prSize < 0 || p + 8 + prSize > desc + descSize) {
                        return null;
                    }
                    if (prType == GNU_PROPERTY_X86_FEATURE_1_AND && prSize >= 4) {
                        int bits = b.getInt(p + 8);
                        if ((bits & IBT_AND_SHSTK) == 0) {
                            return null;
                        }
                        image.patch(note.vaddr() + p + 8, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                                .putInt(bits & ~IBT_AND_SHSTK).array());
                        return "CET: the input's " + describe(bits) + " claim is dropped (moved code cannot keep it)";
                    }
                    p += 8 + align(prSize, 8);
                }
            }
            at = desc + align(descSize, 8);
        }
        return null;
    }

    private static String describe(int bits) {
        return (bits & 1) != 0 && (bits & 2) != 0 ? "IBT and SHSTK" : (bits & 1) != 0 ? "IBT" : "SHSTK";
    }

    private static int align(int v, int a) {
        return (v + a - 1) & -a;
    }
}
