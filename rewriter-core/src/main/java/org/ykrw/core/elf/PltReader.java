package org.ykrw.core.elf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds PLT stubs (.plt, .plt.sec, .plt.got, .iplt) and names them after the GOT slot they jump
 * through. A stub is recognised by its {@code jmp qword [rip + disp32]} (ff 25, optionally with a bnd
 * prefix), so lazy, BIND_NOW and IBT layouts are all covered without a disassembler.
 */
final class PltReader {
    private static final String[] PLT_SECTIONS = {".plt", ".plt.sec", ".plt.got", ".iplt"};

    private final ElfFile elf;

    PltReader(ElfFile elf) {
        this.elf = elf;
    }

    List<PltEntry> read() {
        Map<Long, String> slotNames = new HashMap<>();
        for (Relocation r : elf.relocations()) {
            switch (r.type()) {
                case Relocation.R_X86_64_JUMP_SLOT, Relocation.R_X86_64_GLOB_DAT -> {
                    if (!r.symbolName().isEmpty()) {
                        slotNames.put(r.offset(), r.symbolName());
                    }
                }
                case Relocation.R_X86_64_IRELATIVE -> slotNames.put(r.offset(), "*ifunc@" + Long.toHexString(r.addend()));
                default -> { }
            }
        }
        List<PltEntry> out = new ArrayList<>();
        for (String name : PLT_SECTIONS) {
            Section s = elf.section(name).orElse(null);
            if (s == null || s.type() != Section.SHT_PROGBITS || s.size() == 0) {
                continue;
            }
            int entsize = s.entsize() == 8 || s.entsize() == 16 ? (int) s.entsize() : 16;
            byte[] code = elf.data();
            for (long k = 0; k + entsize <= s.size(); k += entsize) {
                long off = s.offset() + k;
                long slot = jumpSlot(code, off, entsize, s.address() + k);
                if (slot < 0) {
                    continue;
                }
                String sym = slotNames.get(slot);
                if (sym != null) {
                    out.add(new PltEntry(s.address() + k, entsize, sym, slot));
                }
            }
        }
        return List.copyOf(out);
    }

    /** @return the GOT slot a stub at {@code off} jumps through, or -1 when it has no such jump */
    private static long jumpSlot(byte[] code, long off, int entsize, long address) {
        for (int i = 0; i + 6 <= entsize; i++) {
            int p = (int) (off + i);
            if ((code[p] & 0xFF) == 0xFF && (code[p + 1] & 0xFF) == 0x25) {
                if (i > 0 && (code[p - 1] & 0xFF) == 0x35) {
                    continue;  // part of PLT0's push [rip+x]
                }
                int disp = (code[p + 2] & 0xFF) | (code[p + 3] & 0xFF) << 8 | (code[p + 4] & 0xFF) << 16
                        | (code[p + 5] & 0xFF) << 24;
                return address + i + 6 + disp;
            }
            if ((code[p] & 0xFF) == 0xFF && (code[p + 1] & 0xFF) == 0x35) {
                return -1;  // PLT0 pushes the link map; it is no stub of a function
            }
        }
        return -1;
    }
}
