package org.ykrw.core.meta;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Relocation;
import org.ykrw.core.elf.Section;

/**
 * The R_X86_64_RELATIVE relocations of a position-independent file, indexed by the slot they set, so
 * a slot's load-time value can be changed: in .rela.dyn by rewriting the entry's addend, under RELR
 * (implicit addends) by rewriting the slot's bytes in the file, which are the addend.
 */
public final class RelativeRelocations {
    private static final int RELA_SIZE = 24;

    /** Bytes to write at a file offset. */
    public record FilePatch(long fileOffset, byte[] bytes) {
    }

    private final ElfFile elf;
    private final Map<Long, Long> addendOffset = new HashMap<>();
    private final Set<Long> relrSlots = new HashSet<>();

    private RelativeRelocations(ElfFile elf) {
        this.elf = elf;
    }

    /** @return the index of {@code elf}'s RELATIVE relocations (RELA sections and RELR) */
    public static RelativeRelocations of(ElfFile elf) {
        RelativeRelocations r = new RelativeRelocations(elf);
        byte[] d = elf.data();
        for (Section s : elf.sections()) {
            if (s.type() != Section.SHT_RELA || !s.hasFileBytes()) {
                continue;
            }
            for (long o = s.offset(); o + RELA_SIZE <= s.offset() + s.size() && o + RELA_SIZE <= d.length; o += RELA_SIZE) {
                if ((int) u64(d, o + 8) == Relocation.R_X86_64_RELATIVE) {
                    r.addendOffset.put(u64(d, o), o + 16);
                }
            }
        }
        for (Relocation rel : elf.relocations()) {
            Section s = elf.section(rel.section()).orElse(null);
            if (s != null && s.type() == Section.SHT_RELR) {
                r.relrSlots.add(rel.offset());
            }
        }
        return r;
    }

    /** @return true when a RELATIVE relocation sets {@code slot}, so that {@link #set} can change its value */
    public boolean canSet(long slot) {
        return addendOffset.containsKey(slot) || relrSlots.contains(slot) && elf.fileOffset(slot) >= 0;
    }

    /** @return the patch that makes {@code slot} hold {@code value} once relocated, or null when no RELATIVE relocation sets it */
    public FilePatch set(long slot, long value) {
        byte[] v = new byte[8];
        for (int i = 0; i < 8; i++) {
            v[i] = (byte) (value >>> (8 * i));
        }
        Long addend = addendOffset.get(slot);
        if (addend != null) {
            return new FilePatch(addend, v);
        }
        if (relrSlots.contains(slot) && elf.fileOffset(slot) >= 0) {
            return new FilePatch(elf.fileOffset(slot), v);
        }
        return null;
    }

    private static long u64(byte[] d, long at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (d[(int) at + i] & 0xFF);
        }
        return v;
    }
}
