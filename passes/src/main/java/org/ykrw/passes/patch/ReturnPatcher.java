package org.ykrw.passes.patch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.emit.NoteSection;

/**
 * Makes a function return at once by writing {@code ret} (0xC3) over its first instruction (after
 * {@code endbr64}, which CET needs first), and undoes it exactly: what yk's engineers did by hand with
 * radare2. The original bytes and the file's original shape are kept in a {@code .note.ykrw.patch}
 * section appended to the output, so {@code enable} of the last disabled function gives back a file
 * byte-identical to the one first patched.
 *
 * <p>Note format (text, one item per line): {@code ykrw-patch 1}, {@code original-length N},
 * {@code original-shoff HEX}, {@code original-shnum N}, then {@code disable NAME FILEOFFSET-HEX BYTES-HEX}
 * per disabled function.
 */
public final class ReturnPatcher {
    /** Section holding the patch record. */
    public static final String SECTION = ".note.ykrw.patch";
    private static final int NOTE_TYPE = 0x796b01;
    private static final int RET = 0xC3;

    private ReturnPatcher() {
    }

    /** One disabled function. */
    record Disabled(String name, long fileOffset, byte[] original) {
    }

    /** The record kept in the note: the file's original shape and what was disabled. */
    record State(long length, long shoff, int shnum, List<Disabled> disabled) {
    }

    /**
     * @param elf the input
     * @param function name of the function to disable
     * @return the patched file
     */
    public static byte[] disable(ElfFile elf, String function) {
        State state = readState(elf);
        byte[] base = original(elf, state);
        for (Disabled d : state.disabled()) {
            if (d.name().equals(function)) {
                throw new YkrwException(function + " is already disabled in " + elf.name());
            }
        }
        long offset = patchOffset(elf, function);
        int current = base[(int) offset] & 0xFF;
        if (current == RET) {
            throw new YkrwException(function + " already starts with ret: nothing to disable");
        }
        List<Disabled> all = new ArrayList<>(state.disabled());
        all.add(new Disabled(function, offset, new byte[] {(byte) current}));
        base[(int) offset] = (byte) RET;
        return withNote(elf, base, new State(state.length(), state.shoff(), state.shnum(), all));
    }

    /**
     * @param elf a file patched by {@link #disable}
     * @param function the function to restore
     * @return the file with the function's original bytes (the original file when nothing else stays disabled)
     */
    public static byte[] enable(ElfFile elf, String function) {
        State state = readState(elf);
        // by the name it was disabled with, or by where it is (disabled by name, enabled by address)
        Disabled found = state.disabled().stream().filter(d -> d.name().equals(function)).findFirst()
                .or(() -> state.disabled().stream().filter(d -> sameFunction(elf, function, d)).findFirst())
                .orElseThrow(() -> new YkrwException(function + " was not disabled by ykrw patch in " + elf.name()));
        byte[] base = original(elf, state);
        if ((base[(int) found.fileOffset()] & 0xFF) != RET) {
            throw new YkrwException(String.format("%s: the byte at file offset 0x%x is no longer ret; refusing to restore",
                    function, found.fileOffset()));
        }
        System.arraycopy(found.original(), 0, base, (int) found.fileOffset(), found.original().length);
        List<Disabled> rest = new ArrayList<>(state.disabled());
        rest.remove(found);
        return rest.isEmpty() ? base : withNote(elf, base, new State(state.length(), state.shoff(), state.shnum(), rest));
    }

    private static boolean sameFunction(ElfFile elf, String function, Disabled d) {
        try {
            return patchOffset(elf, function) == d.fileOffset();
        } catch (YkrwException e) {
            return false;
        }
    }

    private static byte[] withNote(ElfFile elf, byte[] base, State state) {
        ElfFile original = ElfFile.parse(base, elf.name());
        return NoteSection.append(original, base, SECTION, NOTE_TYPE, serialize(state).getBytes(StandardCharsets.US_ASCII));
    }

    /** @return the file as it was before ykrw's note was appended (in-place patches stay) */
    private static byte[] original(ElfFile elf, State state) {
        byte[] base = Arrays.copyOf(elf.data(), (int) state.length());
        ByteBuffer b = ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(40, state.shoff());
        b.putShort(60, (short) state.shnum());
        return base;
    }

    /**
     * Disables and enables several functions in one go, in the order given (enables first, so that a
     * function can be moved from one list to the other by one command).
     *
     * @param elf the input
     * @param enable functions to restore (names or 0xADDRESS)
     * @param disable functions to make return at once (names or 0xADDRESS)
     * @return the resulting file
     */
    public static byte[] apply(ElfFile elf, List<String> enable, List<String> disable) {
        ElfFile current = elf;
        byte[] bytes = elf.data();
        for (String f : enable) {
            bytes = enable(current, f);
            current = ElfFile.parse(bytes, elf.name());
        }
        for (String f : disable) {
            bytes = disable(current, f);
            current = ElfFile.parse(bytes, elf.name());
        }
        return bytes;
    }

    /** @return the address FUNCTION names when it is written as 0xHEX, else -1 */
    private static long addressOf(String function) {
        if (!function.startsWith("0x") && !function.startsWith("0X")) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(function.substring(2), 16);
        } catch (NumberFormatException e) {
            throw new YkrwException(function + " is neither a function name nor a hexadecimal address");
        }
    }

    private static long patchOffset(ElfFile elf, String function) {
        long address = addressOf(function);
        if (address >= 0) {
            return patchOffsetAt(elf, function, address);
        }
        ElfSymbol sym = null;
        for (List<ElfSymbol> table : List.of(elf.symbols(), elf.dynamicSymbols())) {
            for (ElfSymbol s : table) {
                if (s.isFunction() && s.isDefined() && s.name().equals(function)) {
                    sym = s;
                    break;
                }
            }
            if (sym != null) {
                break;
            }
        }
        if (sym == null) {
            throw new YkrwException("no function " + function + " defined in " + elf.name()
                    + " (a stripped binary: give its address, as `ykrw functions` lists it)");
        }
        return patchOffsetAt(elf, function, sym.value());
    }

    private static long patchOffsetAt(ElfFile elf, String function, long address) {
        long offset = elf.fileOffset(address);
        if (offset < 0 || !elf.isExecutableAddress(address)) {
            throw new YkrwException(String.format("%s at 0x%x is not in executable code of %s", function, address,
                    elf.name()));
        }
        byte[] d = elf.data();
        boolean endbr = offset + 4 < d.length && (d[(int) offset] & 0xFF) == 0xF3 && (d[(int) offset + 1] & 0xFF) == 0x0F
                && (d[(int) offset + 2] & 0xFF) == 0x1E && (d[(int) offset + 3] & 0xFF) == 0xFA;
        return endbr ? offset + 4 : offset;
    }

    private static State readState(ElfFile elf) {
        byte[] desc = NoteSection.find(elf, SECTION, NOTE_TYPE);
        if (desc == null) {
            return new State(elf.data().length, elf.header().shoff(), elf.header().shnum(), List.of());
        }
        long length = -1;
        long shoff = -1;
        int shnum = -1;
        List<Disabled> disabled = new ArrayList<>();
        try {
            String[] lines = new String(desc, StandardCharsets.US_ASCII).split("\n");
            if (!lines[0].equals("ykrw-patch 1")) {
                throw new YkrwException(elf.name() + ": unknown " + SECTION + " format: " + lines[0]);
            }
            for (String line : lines) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "original-length" -> length = Long.parseLong(f[1]);
                    case "original-shoff" -> shoff = Long.parseLong(f[1], 16);
                    case "original-shnum" -> shnum = Integer.parseInt(f[1]);
                    case "disable" -> disabled.add(new Disabled(f[1], Long.parseLong(f[2], 16),
                            java.util.HexFormat.of().parseHex(f[3])));
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
        return new State(length, shoff, shnum, disabled);
    }

    private static String serialize(State s) {
        StringBuilder b = new StringBuilder("ykrw-patch 1\n");
        b.append("original-length ").append(s.length()).append('\n');
        b.append("original-shoff ").append(Long.toHexString(s.shoff())).append('\n');
        b.append("original-shnum ").append(s.shnum()).append('\n');
        for (Disabled d : s.disabled()) {
            b.append("disable ").append(d.name()).append(' ').append(Long.toHexString(d.fileOffset())).append(' ')
                    .append(java.util.HexFormat.of().formatHex(d.original())).append('\n');
        }
        return b.toString();
    }
}
