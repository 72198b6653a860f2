package org.ykrw.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.elf.Relocation;
import org.ykrw.core.elf.Section;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.meta.RelativeRelocations;
import org.ykrw.core.x86.Insn;
import org.ykrw.core.x86.encode.Relocator;

/**
 * Points the pointers to a moved function at its new entry ({@link RewriteOptions#retargetCodePointers}),
 * so that a call through one (a callback, a method table, a comparison function) no longer runs the
 * jump at the old entry first: in sqlite3 that jump ran about 7 million times per run, half of what
 * separated {@code optimize} from BOLT.
 *
 * <p>A function's address must stay one value everywhere, since programs compare function pointers
 * ({@code if (coll->xCmp == binCollFunc)}). So a function is retargeted only when every place that can
 * hold its address is one this rewriter changes:
 * <ul>
 *   <li>the file is position-independent: then every pointer in data has a RELATIVE relocation, whose
 *       addend is the pointer (a position-dependent file's pointers are plain numbers in data);</li>
 *   <li>the function is not exported: .dynsym's value is what other objects and {@code dlsym} see;</li>
 *   <li>no other relocation names it (an IFUNC resolver, an absolute pointer with a symbol);</li>
 *   <li>every executable byte sequence that encodes a rip-relative {@code lea} of it is an instruction
 *       of moved code, which the layout re-encodes with the new entry: a scan of all code, decoded or
 *       not, so code left in place or never lifted keeps a function's pointers old.</li>
 * </ul>
 * The old entries keep their jumps: a pointer found nowhere still works, as before.
 *
 * <p>Runs before {@link CodeRewriter}, which emits the leas with the set this leaves, and before
 * {@link DynamicTablesRewriter}, which copies .rela.dyn with the addends set here.
 */
final class CodePointersRewriter implements OutputRewriter {
    private static final int LEA = 0x8D;

    @Override
    public String name() {
        return "code-pointers";
    }

    @Override
    public void run(RewriteState state) {
        if (!state.options.retargetCodePointers()) {
            return;
        }
        if (state.elf.isExecutable()) {
            state.requests.note("code pointers: left at the old entries (a position-dependent file's pointers in data"
                    + " have no relocations to tell them from other numbers)");
            return;
        }
        ElfFile elf = state.elf;
        Set<Long> candidates = new HashSet<>();
        for (Function f : state.moved) {
            if (!f.isPlt() && state.layout.newAddressOfFunction(f.entryAddress()) != null) {
                candidates.add(f.entryAddress());
            }
        }
        // what points at each candidate, and the candidates something else may point at too
        Set<Long> kept = new HashSet<>();
        for (ElfSymbol s : elf.dynamicSymbols()) {
            if (s.isDefined() && candidates.contains(s.value())) {
                kept.add(s.value());
            }
        }
        RelativeRelocations relative = RelativeRelocations.of(elf);
        Map<Long, List<Long>> slots = new HashMap<>();
        for (Relocation r : elf.relocations()) {
            if (!candidates.contains(r.addend())) {
                continue;
            }
            if (r.type() == Relocation.R_X86_64_RELATIVE && relative.canSet(r.offset())) {
                slots.computeIfAbsent(r.addend(), k -> new ArrayList<>()).add(r.offset());
            } else {
                kept.add(r.addend());   // a relocation this rewriter does not change may hold it
            }
        }
        Map<Long, Integer> leas = new HashMap<>();
        kept.addAll(leasOutsideMovedCode(elf, state.moved, candidates, leas));
        Set<Long> pointed = new HashSet<>();
        int inData = 0;
        int inCode = 0;
        for (long entry : candidates) {
            List<Long> its = slots.getOrDefault(entry, List.of());
            int taken = leas.getOrDefault(entry, 0);
            if (kept.contains(entry) || its.isEmpty() && taken == 0) {
                continue;
            }
            long now = state.layout.newAddressOfFunction(entry);
            for (long slot : its) {
                RelativeRelocations.FilePatch p = relative.set(slot, now);
                state.image.patchFile(p.fileOffset(), p.bytes());
            }
            pointed.add(entry);
            inData += its.size();
            inCode += taken;
        }
        state.pointedEntries = Set.copyOf(pointed);
        state.requests.note(String.format("code pointers: %,d functions' pointers now reach their new entries"
                + " (%,d in data, %,d taken in code); %,d moved functions keep pointers to their old entries"
                + " (exported, or taken where ykrw does not rewrite)", pointed.size(), inData, inCode, kept.size()));
    }

    /**
     * @return the candidates that some executable byte sequence other than a moved function's decoded
     *     instruction takes the address of with a rip-relative lea ({@code [REX] 8D modrm(00 reg 101)
     *     disp32}); a false match only keeps a function's pointers old. {@code leas} receives, per
     *     candidate, how many leas of moved code take its address
     */
    private static Set<Long> leasOutsideMovedCode(ElfFile elf, List<Function> moved, Set<Long> candidates,
            Map<Long, Integer> leas) {
        Set<Long> rewritten = new HashSet<>();
        for (Function f : moved) {
            for (Block b : f.blocks()) {
                for (Insn i : b.instructions()) {
                    if (Relocator.isRipLea(i) && candidates.contains(i.ripTarget())) {
                        rewritten.add(i.address());
                        leas.merge(i.ripTarget(), 1, Integer::sum);
                    }
                }
            }
        }
        Set<Long> out = new HashSet<>();
        byte[] d = elf.data();
        for (Section s : elf.sections()) {
            if (!s.isExecutable() || !s.hasFileBytes()) {
                continue;
            }
            long end = Math.min(s.offset() + s.size(), d.length);
            for (long o = s.offset(); o + 6 <= end; o++) {
                int at = (int) o;
                if ((d[at] & 0xFF) != LEA || (d[at + 1] & 0xC7) != 0x05) {
                    continue;
                }
                long disp = (d[at + 2] & 0xFFL) | (d[at + 3] & 0xFFL) << 8 | (d[at + 4] & 0xFFL) << 16 | (long) d[at + 5] << 24;
                long address = s.address() + (o - s.offset());
                long target = address + 6 + disp;
                boolean rex = o > s.offset() && (d[at - 1] & 0xF0) == 0x40;
                boolean decoded = rewritten.contains(address) || rex && rewritten.contains(address - 1);
                if (candidates.contains(target) && !decoded) {
                    out.add(target);
                }
            }
        }
        return out;
    }
}
