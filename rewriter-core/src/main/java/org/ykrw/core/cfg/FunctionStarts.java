package org.ykrw.core.cfg;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.ykrw.core.dwarf.EhFrame;
import org.ykrw.core.dwarf.Lsda;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.ir.DiscoverySource;

/**
 * Collects function starts and names from everything the file says about its code: the entry point,
 * symbol tables, .eh_frame FDEs, init/fini arrays and code pointers found through relocations.
 */
final class FunctionStarts {
    final TreeMap<Long, Set<DiscoverySource>> starts = new TreeMap<>();
    final Map<Long, String> names = new HashMap<>();
    final Map<Long, Set<String>> aliases = new HashMap<>();
    final TreeMap<Long, Long> frameRanges = new TreeMap<>();
    final Map<Long, java.util.List<Long>> landingPads = new HashMap<>();
    private final Map<Long, Integer> bindings = new HashMap<>();

    FunctionStarts(ElfFile elf, CodeImage image) {
        for (EhFrame.Fde f : EhFrame.functionRanges(elf)) {
            if (image.isCode(f.pcBegin())) {
                frameRanges.put(f.pcBegin(), f.pcEnd());
                if (f.lsda() != 0) {
                    landingPads.put(f.pcBegin(), Lsda.landingPads(elf, f));
                }
                add(skipPadding(image, f.pcBegin(), f.pcEnd()), DiscoverySource.EH_FRAME, image);
            }
        }
        add(elf.entry(), DiscoverySource.ENTRY, image);
        for (ElfSymbol s : elf.symbols()) {
            symbol(s, DiscoverySource.SYMTAB, image);
        }
        for (ElfSymbol s : elf.dynamicSymbols()) {
            symbol(s, DiscoverySource.DYNSYM, image);
        }
        for (long[] array : new long[][] {elf.initArray(), elf.finiArray(), elf.preinitArray()}) {
            for (long p : array) {
                add(p, DiscoverySource.INIT_ARRAY, image);
            }
        }
        Set<Long> symbolStarts = Set.copyOf(starts.keySet());
        for (long target : elf.relativeCodePointers().values()) {
            // Only pointers landing on a start seen elsewhere: data that merely looks like a pointer
            // must not invent functions.
            if (symbolStarts.contains(target)) {
                add(target, DiscoverySource.CODE_POINTER, image);
            }
        }
    }

    private void symbol(ElfSymbol s, DiscoverySource source, CodeImage image) {
        if (!s.isFunction() || !s.isDefined() || s.name().isEmpty() || !image.isCode(s.value())) {
            return;
        }
        add(s.value(), source, image);
        String name = s.name();
        String existing = names.get(s.value());
        if (existing == null) {
            names.put(s.value(), name);
            bindings.put(s.value(), s.binding());
        } else if (!existing.equals(name)) {
            // A global name beats a local one (static aliases, .cold parts); otherwise the first stays.
            boolean promote = s.binding() == ElfSymbol.STB_GLOBAL && bindings.get(s.value()) != ElfSymbol.STB_GLOBAL;
            Set<String> more = aliases.computeIfAbsent(s.value(), k -> new LinkedHashSet<>());
            if (promote) {
                more.add(existing);
                names.put(s.value(), name);
                bindings.put(s.value(), s.binding());
            } else {
                more.add(name);
            }
        }
    }

    /**
     * Some assembly FDEs begin at the alignment padding before their function: the function starts at
     * the first aligned non-NOP instruction.
     */
    private static long skipPadding(CodeImage image, long start, long end) {
        if ((start & 15) == 0) {
            return start;
        }
        // glibc starts __restore_rt's FDE one byte early, inside the alignment NOPs (for unwinders that
        // look up pc-1): decode the padding from the aligned address below to see that.
        long aligned = (start + 15) & ~15L;
        long scan = start & ~15L;
        while (scan < aligned) {
            org.ykrw.core.x86.Insn i = image.insnAt(scan);
            if (i == null || !i.isNop()) {
                break;
            }
            scan = i.end();
        }
        if (scan == aligned && aligned < end) {
            return aligned;
        }
        long pos = start;
        while (pos < end) {
            org.ykrw.core.x86.Insn i = image.insnAt(pos);
            if (i == null || !i.isNop()) {
                break;
            }
            pos = i.end();
        }
        return pos < end && (pos & 15) == 0 ? pos : start;
    }

    void add(long address, DiscoverySource source, CodeImage image) {
        if (image.isCode(address)) {
            starts.computeIfAbsent(address, k -> EnumSet.noneOf(DiscoverySource.class)).add(source);
        }
    }

    /** @return the best name for a function at {@code address} */
    String nameOf(long address) {
        String n = names.get(address);
        // Not String.format: its parsing cost ~5 us a call in the JIT's first tier, on 10,000 names.
        return n != null ? n : "fn_" + Long.toHexString(address);
    }
}
