package org.ykrw.core;

import java.util.List;
import java.util.Optional;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.elf.Relocation;
import org.ykrw.core.elf.Section;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.pass.ThreadLocalArea;

/**
 * Reads the input's thread-local layout for {@link ThreadLocalArea}, and says when the runtime's bytes
 * cannot be put in front of its template: anything that addresses the input's own thread-local variables
 * by their offset from the template's start (rather than from the thread pointer) would then be off.
 */
final class ThreadLocalLayout {
    /** R_X86_64_TLSDESC: a descriptor ld.so fills with a module offset. */
    private static final int R_X86_64_TLSDESC = 36;

    private ThreadLocalLayout() {
    }

    /** @return the input's layout, with the reason it cannot take runtime thread-local bytes, if any */
    static ThreadLocalArea of(ElfFile elf) {
        Segment tls = elf.segmentOfType(Segment.PT_TLS);
        long size = tls == null ? 0 : tls.memsz();
        long align = tls == null ? 1 : tls.align();
        java.util.Map<String, Long> variables = new java.util.HashMap<>();
        if (tls != null && !elf.isSharedLibrary()) {
            for (ElfSymbol s : elf.allSymbols()) {
                if (s.type() == ElfSymbol.STT_TLS && s.isDefined() && !s.name().isEmpty()) {
                    variables.putIfAbsent(s.name(), s.value());   // an executable's: the offset in its template
                }
            }
        }
        return new ThreadLocalArea(size, align, refusal(elf, tls), variables);
    }

    private static String refusal(ElfFile elf, Segment tls) {
        String name = elf.name();
        if (elf.isSharedLibrary()) {
            return name + ": a shared library cannot get the runtime's thread-local bytes (its block lies where ld.so"
                    + " puts it; give the tracing state from a library instead, --trace-lib)";
        }
        if (tls != null && Long.bitCount(tls.align()) > 1) {
            return name + ": PT_TLS alignment " + tls.align() + " is not a power of two";
        }
        List<ElfSymbol> dynsym = elf.dynamicSymbols();
        Optional<ElfSymbol> exported = dynsym.stream()
                .filter(s -> s.type() == ElfSymbol.STT_TLS && s.isDefined()).findFirst();
        if (exported.isPresent()) {
            return name + ": exports the thread-local " + exported.get().name()
                    + ": other objects reach it by its offset in the template, which the runtime's bytes would move";
        }
        for (Relocation r : elf.relocations()) {
            if (tls != null && isInitialised(tls, r.offset()) && r.type() != Relocation.R_X86_64_RELATIVE
                    && isLoaded(elf, r.section())) {
                return String.format("%s: its thread-local template holds a symbol's address (relocation type %d at"
                        + " 0x%x), which ld.so would not write into the template's copy", name, r.type(), r.offset());
            }
            boolean moduleOffset = r.type() == Relocation.R_X86_64_DTPMOD64 || r.type() == Relocation.R_X86_64_DTPOFF64
                    || r.type() == Relocation.R_X86_64_TPOFF64 || r.type() == R_X86_64_TLSDESC;
            if (moduleOffset && isLoaded(elf, r.section()) && ownSymbol(dynsym, r.symbolIndex())) {
                return String.format("%s: a dynamic relocation (type %d at 0x%x) addresses its own thread-local"
                        + " variables by template offset, which the runtime's bytes would move", name, r.type(), r.offset());
            }
        }
        return null;
    }

    /**
     * @return the RELATIVE relocations of the input's initialised template (a PIE's thread-local pointers,
     *     static-pie's libc locale): {offset in the template, link-time value}
     */
    static List<long[]> relativeWords(ElfFile elf) {
        Segment tls = elf.segmentOfType(Segment.PT_TLS);
        List<long[]> out = new java.util.ArrayList<>();
        if (tls == null) {
            return out;
        }
        for (Relocation r : elf.relocations()) {
            if (r.type() == Relocation.R_X86_64_RELATIVE && isInitialised(tls, r.offset()) && isLoaded(elf, r.section())) {
                out.add(new long[] {r.offset() - tls.vaddr(), r.addend()});
            }
        }
        return out;
    }

    private static boolean isInitialised(Segment tls, long address) {
        return address >= tls.vaddr() && address < tls.vaddr() + tls.filesz();
    }

    /** @return true for a relocation section ld.so applies (not one --emit-relocs kept) */
    private static boolean isLoaded(ElfFile elf, String section) {
        return elf.section(section).map(s -> (s.flags() & Section.SHF_ALLOC) != 0).orElse(true);
    }

    /** @return true when a relocation's symbol is this module's (index 0 or defined here) */
    private static boolean ownSymbol(List<ElfSymbol> dynsym, int index) {
        return index == 0 || index < dynsym.size() && dynsym.get(index).isDefined();
    }
}
