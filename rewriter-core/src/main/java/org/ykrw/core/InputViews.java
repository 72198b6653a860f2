package org.ykrw.core;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.elf.PltEntry;
import org.ykrw.core.elf.Relocation;
import org.ykrw.core.pass.CodeView;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PltView;
import org.ykrw.core.pass.ProgramSymbols;
import org.ykrw.core.pass.RelocationView;

/**
 * What passes may read of the input file, made from ELF here so that passes never see ELF: the
 * input's hash, whether its dynamic tables can be edited, and views of its symbols, PLT, dynamic
 * relocations, code bytes and kept originals. Each is made only when a pass asks for it.
 */
final class InputViews {
    private InputViews() {
    }

    /**
     * @param elf the input
     * @param digest the input's SHA-256 being computed already (on another core while lifting), or null
     * @return the facts passes may ask for
     */
    static PassInput.InputFacts of(ElfFile elf, CompletableFuture<byte[]> digest) {
        return new PassInput.InputFacts(digest != null ? digest::join : () -> sha256(elf.data()),
                () -> DynamicLinking.isEditable(elf), () -> symbols(elf), () -> plt(elf), () -> relocations(elf),
                () -> code(elf), () -> KeptOriginalsNote.read(elf).kept());
    }

    /** @return the input's code bytes, where an in-place patch could overwrite them */
    private static CodeView code(ElfFile elf) {
        return (address, length) -> {
            long offset = InPlacePatchRewriter.codeOffset(elf, address, length);
            return offset < 0 ? null : java.util.Arrays.copyOfRange(elf.data(), (int) offset, (int) offset + length);
        };
    }

    /** @return the SHA-256 of {@code data} */
    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    /** @return the defined functions of .symtab, then of .dynsym */
    static ProgramSymbols symbols(ElfFile elf) {
        List<ProgramSymbols.Symbol> out = new ArrayList<>();
        for (ElfSymbol s : elf.allSymbols()) {
            if (s.isFunction() && s.isDefined()) {
                out.add(new ProgramSymbols.Symbol(s.name(), s.value(), s.size()));
            }
        }
        return new ProgramSymbols(out);
    }

    private static PltView plt(ElfFile elf) {
        List<PltView.Entry> out = new ArrayList<>();
        for (PltEntry p : elf.pltEntries()) {
            out.add(new PltView.Entry(p.symbolName(), p.address(), p.gotAddress()));
        }
        return new PltView(out);
    }

    private static RelocationView relocations(ElfFile elf) {
        List<RelocationView.Slot> out = new ArrayList<>();
        Set<Long> resolvers = new HashSet<>();
        for (ElfSymbol s : elf.allSymbols()) {
            if (s.type() == ElfSymbol.STT_GNU_IFUNC && s.isDefined()) {
                resolvers.add(s.value());
            }
        }
        for (Relocation r : elf.relocations()) {
            if (r.type() == Relocation.R_X86_64_IRELATIVE) {
                resolvers.add(r.addend());
            }
            if (r.symbolName() == null || r.symbolName().isEmpty()) {
                continue;
            }
            RelocationView.Kind kind = switch (r.type()) {
                case Relocation.R_X86_64_GLOB_DAT -> RelocationView.Kind.GOT_ENTRY;
                case Relocation.R_X86_64_JUMP_SLOT -> RelocationView.Kind.PLT_SLOT;
                default -> RelocationView.Kind.OTHER;
            };
            out.add(new RelocationView.Slot(r.offset(), r.symbolName(), kind));
        }
        return new RelocationView(out, resolvers);
    }
}
