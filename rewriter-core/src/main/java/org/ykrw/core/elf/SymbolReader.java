package org.ykrw.core.elf;

import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.diag.MalformedElfException;

/** Reads symbol tables and RELA relocation tables, checking entry sizes and string-table links. */
final class SymbolReader {
    private static final int SYM_SIZE = 24;
    private static final int RELA_SIZE = 24;

    private final ByteReader in;
    private final List<Section> sections;

    SymbolReader(ByteReader in, List<Section> sections) {
        this.in = in;
        this.sections = sections;
    }

    List<ElfSymbol> read(int tableType) {
        for (Section s : sections) {
            if (s.type() == tableType) {
                return readTable(s);
            }
        }
        return List.of();
    }

    private List<ElfSymbol> readTable(Section table) {
        if (table.entsize() != SYM_SIZE) {
            throw new MalformedElfException("symbol table " + table.name() + ": sh_entsize " + table.entsize()
                    + " is not " + SYM_SIZE);
        }
        Section strtab = sections.get(table.link());
        if (strtab.type() != Section.SHT_STRTAB) {
            throw new MalformedElfException("symbol table " + table.name() + ": sh_link " + table.link()
                    + " is not a string table");
        }
        long limit = strtab.offset() + strtab.size();
        int n = (int) (table.size() / SYM_SIZE);
        List<ElfSymbol> out = new ArrayList<>(n);
        boolean dynamic = table.type() == Section.SHT_DYNSYM;
        for (int i = 0; i < n; i++) {
            long o = table.offset() + (long) i * SYM_SIZE;
            long nameOff = in.u32(o);
            int info = in.u8(o + 4);
            String name = nameOff == 0 ? "" : in.cString(strtab.offset() + nameOff, limit, "symbol " + i);
            out.add(new ElfSymbol(i, name, in.u64(o + 8), in.u64(o + 16), info & 0xF, info >> 4, in.u16(o + 6), dynamic));
        }
        return List.copyOf(out);
    }

    List<Relocation> readRelocations() {
        List<Relocation> out = new ArrayList<>();
        for (Section s : sections) {
            if (s.type() != Section.SHT_RELA) {
                continue;
            }
            if (s.entsize() != RELA_SIZE) {
                throw new MalformedElfException("relocation section " + s.name() + ": sh_entsize " + s.entsize()
                        + " is not " + RELA_SIZE);
            }
            List<ElfSymbol> syms = List.of();
            if (s.link() != 0) {
                Section symtab = sections.get(s.link());
                if (symtab.type() == Section.SHT_DYNSYM || symtab.type() == Section.SHT_SYMTAB) {
                    syms = readTable(symtab);
                }
            }
            int n = (int) (s.size() / RELA_SIZE);
            for (int i = 0; i < n; i++) {
                long o = s.offset() + (long) i * RELA_SIZE;
                long info = in.u64(o + 8);
                int symIndex = (int) (info >>> 32);
                String symName = symIndex > 0 && symIndex < syms.size() ? syms.get(symIndex).name() : "";
                out.add(new Relocation(s.name(), in.u64(o), (int) info, symIndex, symName, in.u64(o + 16)));
            }
        }
        return List.copyOf(out);
    }
}
