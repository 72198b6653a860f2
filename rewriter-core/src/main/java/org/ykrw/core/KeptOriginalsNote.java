package org.ykrw.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.emit.NoteSection;
import org.ykrw.core.pass.KeptOriginal;
import org.ykrw.core.pass.PassRequests.InPlacePatch;

/**
 * The record that makes an in-place rewrite undoable ({@link org.ykrw.core.pass.PassRequests#keepOriginals}):
 * a {@code .note.ykrw.patch} section appended to the output ({@link NoteSection}, which moves nothing)
 * holding the file's first shape and the bytes the kept patches overwrote. Cutting the file back to
 * that length and restoring the ELF header's section-table fields gives the first file, so putting
 * the last kept bytes back gives it byte for byte.
 *
 * <p>Format (ASCII, one item per line, docs/FORMATS.md): {@code ykrw-patch 1}, {@code original-length N},
 * {@code original-shoff HEX}, {@code original-shnum N}, then {@code disable NAME FILEOFFSET-HEX BYTES-HEX}
 * per kept patch. File offsets, not addresses: the record describes the file; passes see addresses
 * ({@link KeptOriginal}), converted here through the executable segment that holds them.
 *
 * @param length the first file's length
 * @param shoff its section header table's offset
 * @param shnum its number of section headers
 * @param kept the kept bytes, by input address, in order
 */
record KeptOriginalsNote(long length, long shoff, int shnum, List<KeptOriginal> kept) {
    /** Section holding the record. */
    static final String SECTION = ".note.ykrw.patch";
    private static final int NOTE_TYPE = 0x796b01;
    private static final String MAGIC = "ykrw-patch 1";

    /**
     * @param elf the input
     * @return its record, or (when it has none) one describing the input as it is, with nothing kept
     * @throws YkrwException when the record is there but damaged or of an unknown format
     */
    static KeptOriginalsNote read(ElfFile elf) {
        byte[] desc = NoteSection.find(elf, SECTION, NOTE_TYPE);
        if (desc == null) {
            return new KeptOriginalsNote(elf.data().length, elf.header().shoff(), elf.header().shnum(), List.of());
        }
        long length = -1;
        long shoff = -1;
        int shnum = -1;
        List<KeptOriginal> kept = new ArrayList<>();
        try {
            String[] lines = new String(desc, StandardCharsets.US_ASCII).split("\n");
            if (!lines[0].equals(MAGIC)) {
                throw new YkrwException(elf.name() + ": unknown " + SECTION + " format: " + lines[0]);
            }
            for (String line : lines) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "original-length" -> length = Long.parseLong(f[1]);
                    case "original-shoff" -> shoff = Long.parseLong(f[1], 16);
                    case "original-shnum" -> shnum = Integer.parseInt(f[1]);
                    case "disable" -> kept.add(new KeptOriginal(f[1], addressOf(elf, Long.parseLong(f[2], 16)),
                            HexFormat.of().parseHex(f[3])));
                    default -> { }
                }
            }
        } catch (RuntimeException e) {
            if (e instanceof YkrwException y) {
                throw y;
            }
            throw new YkrwException(elf.name() + ": damaged " + SECTION + " section", e);
        }
        if (length <= 0 || length > elf.data().length || shoff < 0 || shnum < 0) {
            throw new YkrwException(elf.name() + ": damaged " + SECTION + " section");
        }
        return new KeptOriginalsNote(length, shoff, shnum, kept);
    }

    /**
     * The output of an in-place rewrite that keeps originals: 1. the first file (this record's shape);
     * 2. the patches written into it; 3. the record of {@code keep} appended, unless it is empty.
     *
     * @param elf the input
     * @param patches the passes' in-place patches, in order
     * @param keep what the output keeps
     * @return the output file
     */
    byte[] write(ElfFile elf, List<InPlacePatch> patches, List<KeptOriginal> keep) {
        byte[] base = Arrays.copyOf(elf.data(), (int) length);
        ByteBuffer header = ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(40, shoff);
        header.putShort(60, (short) shnum);
        InPlacePatchRewriter.apply(elf, patches, base);
        if (keep.isEmpty()) {
            return base;
        }
        KeptOriginalsNote out = new KeptOriginalsNote(length, shoff, shnum, keep);
        return NoteSection.append(ElfFile.parse(base, elf.name()), base, SECTION, NOTE_TYPE,
                out.serialize(elf).getBytes(StandardCharsets.US_ASCII));
    }

    private String serialize(ElfFile elf) {
        StringBuilder b = new StringBuilder(MAGIC).append('\n');
        b.append("original-length ").append(length).append('\n');
        b.append("original-shoff ").append(Long.toHexString(shoff)).append('\n');
        b.append("original-shnum ").append(shnum).append('\n');
        for (KeptOriginal k : kept) {
            b.append("disable ").append(k.name()).append(' ').append(Long.toHexString(elf.fileOffset(k.address())))
                    .append(' ').append(HexFormat.of().formatHex(k.bytes())).append('\n');
        }
        return b.toString();
    }

    /** @return the address of file offset {@code offset} in an executable segment (kept bytes are code) */
    private static long addressOf(ElfFile elf, long offset) {
        for (Segment s : elf.segments()) {
            if (s.isLoad() && s.isExecutable() && offset >= s.offset() && offset - s.offset() < s.filesz()) {
                return s.vaddr() + (offset - s.offset());
            }
        }
        throw new YkrwException(String.format("%s: damaged %s section: file offset 0x%x is not code", elf.name(),
                SECTION, offset));
    }
}
