package org.ykrw.core.emit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfHeader;
import org.ykrw.core.elf.Section;

/**
 * Appends one non-loaded SHT_NOTE section to a file without moving anything already in it: the note,
 * a grown copy of the section-name table and a new section header table go after the old end of the
 * file, and the ELF header points at them. Loaded segments are untouched, so the program runs as
 * before; cutting the file back to its old length and restoring three header fields undoes it exactly.
 */
public final class NoteSection {
    private NoteSection() {
    }

    /** Note owner name of ykrw's notes. */
    public static final String OWNER = "ykrw";

    /**
     * @param elf the file (its bytes may already carry in-place patches: pass them as {@code image})
     * @param image the bytes to extend (same layout as {@code elf})
     * @param sectionName name of the new section, e.g. {@code .note.ykrw.patch}
     * @param type the note's n_type
     * @param desc the note's descriptor
     * @return the extended file
     */
    public static byte[] append(ElfFile elf, byte[] image, String sectionName, int type, byte[] desc) {
        ElfHeader h = elf.header();
        if (h.shnum() == 0) {
            throw new UnsupportedInputException(elf.name() + ": has no section headers to add a note section to");
        }
        Section names = elf.sections().get(h.shstrndx());
        byte[] name = OWNER.getBytes(StandardCharsets.US_ASCII);
        int nameField = align4(name.length + 1);
        byte[] note = new byte[12 + nameField + align4(desc.length)];
        ByteBuffer nb = ByteBuffer.wrap(note).order(ByteOrder.LITTLE_ENDIAN);
        nb.putInt(name.length + 1).putInt(desc.length).putInt(type).put(name);
        nb.position(12 + nameField);
        nb.put(desc);

        int noteOffset = align8(image.length);
        byte[] oldNames = Arrays.copyOfRange(image, (int) names.offset(), (int) (names.offset() + names.size()));
        byte[] newName = (sectionName + "\0").getBytes(StandardCharsets.US_ASCII);
        int namesOffset = noteOffset + note.length;
        int namesSize = oldNames.length + newName.length;
        int shoff = align8(namesOffset + namesSize);
        int shnum = h.shnum() + 1;
        byte[] out = Arrays.copyOf(image, shoff + shnum * ElfHeader.SHENT_SIZE);
        System.arraycopy(note, 0, out, noteOffset, note.length);
        System.arraycopy(oldNames, 0, out, namesOffset, oldNames.length);
        System.arraycopy(newName, 0, out, namesOffset + oldNames.length, newName.length);
        System.arraycopy(image, (int) h.shoff(), out, shoff, h.shnum() * ElfHeader.SHENT_SIZE);
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int namesHeader = shoff + h.shstrndx() * ElfHeader.SHENT_SIZE;
        b.putLong(namesHeader + 24, namesOffset);
        b.putLong(namesHeader + 32, namesSize);
        int nh = shoff + h.shnum() * ElfHeader.SHENT_SIZE;
        b.putInt(nh, oldNames.length);              // sh_name
        b.putInt(nh + 4, Section.SHT_NOTE);         // sh_type
        b.putLong(nh + 8, 0);                       // sh_flags: not loaded
        b.putLong(nh + 16, 0);                      // sh_addr
        b.putLong(nh + 24, noteOffset);
        b.putLong(nh + 32, note.length);
        b.putInt(nh + 40, 0);
        b.putInt(nh + 44, 0);
        b.putLong(nh + 48, 4);
        b.putLong(nh + 56, 0);
        b.putLong(40, shoff);                       // e_shoff
        b.putShort(60, (short) shnum);              // e_shnum
        return out;
    }

    /**
     * @param elf a file
     * @param sectionName the note section to look for
     * @param type the note type wanted
     * @return the descriptor of ykrw's note of that type in that section, or null
     */
    public static byte[] find(ElfFile elf, String sectionName, int type) {
        Section s = elf.section(sectionName).orElse(null);
        if (s == null || s.type() != Section.SHT_NOTE) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(elf.data(), (int) s.offset(), (int) s.size()).order(ByteOrder.LITTLE_ENDIAN);
        while (b.remaining() >= 12) {
            int namesz = b.getInt();
            int descsz = b.getInt();
            int t = b.getInt();
            if (namesz < 0 || descsz < 0 || align4(namesz) > b.remaining()) {
                return null;
            }
            byte[] name = new byte[align4(namesz)];
            b.get(name);
            if (align4(descsz) > b.remaining()) {
                return null;
            }
            byte[] desc = new byte[descsz];
            b.get(desc);
            b.position(b.position() + align4(descsz) - descsz);
            String owner = new String(name, 0, Math.max(0, namesz - 1), StandardCharsets.US_ASCII);
            if (owner.equals(OWNER) && t == type) {
                return desc;
            }
        }
        return null;
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }
}
