package org.ykrw.coverage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;
import org.ykrw.core.diag.InputFile;
import org.ykrw.core.diag.MalformedRunFileException;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;

/**
 * Reads a {@link BlockMap} from its JSON file or from the {@code .ykrw.map} section of an
 * instrumented ELF. Every member is checked for presence, type and range before use; a bad map is
 * one {@link MalformedRunFileException} naming the member.
 */
public final class BlockMapReader {
    /** A map beyond this size is not something ykrw wrote (python3's map is a few MiB). */
    private static final int MAX_MAP_BYTES = 256 << 20;

    private BlockMapReader() {
    }

    /**
     * @param path a JSON map, or an instrumented ELF holding {@code .ykrw.map}
     * @return the map
     */
    public static BlockMap read(Path path) {
        byte[] data;
        try {
            InputFile.requireRegular(path);
            if (Files.size(path) > MAX_MAP_BYTES && !isElf(path)) {
                throw new MalformedRunFileException(path.toString(), "a block map of " + Files.size(path)
                        + " bytes is too large");
            }
            if (isElf(path)) {
                return fromElf(ElfFile.read(path));
            }
            data = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new YkrwException(path + ": no such file");
        } catch (IOException e) {
            throw new YkrwException(path + ": cannot read: " + e.getMessage(), e);
        }
        return fromJson(new String(data, StandardCharsets.UTF_8), path.toString());
    }

    private static boolean isElf(Path path) throws IOException {
        try (var in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        }
    }

    /** @return true when {@code elf} has a {@code .ykrw.map} section (it was instrumented by ykrw) */
    public static boolean hasMap(ElfFile elf) {
        return elf.section(BlockMap.SECTION_NAME).isPresent();
    }

    /**
     * @param elf an instrumented output
     * @return the map embedded in it
     */
    public static BlockMap fromElf(ElfFile elf) {
        return fromElf(elf, BlockMap.SECTION_NAME);
    }

    /**
     * @param elf an instrumented output
     * @return the map that numbers its trace probes: the trace pass's own when coverage and tracing were
     *     combined ({@link BlockMap#TRACE_SECTION_NAME}), else the output's map
     */
    public static BlockMap traceMapFromElf(ElfFile elf) {
        return elf.section(BlockMap.TRACE_SECTION_NAME).isPresent() ? fromElf(elf, BlockMap.TRACE_SECTION_NAME)
                : fromElf(elf);
    }

    private static BlockMap fromElf(ElfFile elf, String section) {
        String where = elf.name() + " section " + section;
        Section s = elf.section(section).orElseThrow(() -> new YkrwException(elf.name()
                + " has no " + section + " section (not instrumented by ykrw): give the instrumented"
                + " binary or --map FILE.json"));
        if (!s.hasFileBytes() || s.offset() < 0 || s.size() < 0 || s.offset() > elf.data().length
                || s.size() > elf.data().length - s.offset()) {
            throw new MalformedRunFileException(where, String.format("offset 0x%x size 0x%x is outside the file",
                    s.offset(), s.size()));
        }
        return fromSection(elf.data(), (int) s.offset(), (int) s.size(), where);
    }

    /**
     * @param data bytes holding a {@code .ykrw.map} section's contents (zlib-compressed JSON)
     * @param offset where the section starts in data
     * @param length its size
     * @param where name used in messages
     * @return the map
     */
    static BlockMap fromSection(byte[] data, int offset, int length, String where) {
        byte[] json = inflate(data, offset, length, where);
        return fromJson(new String(json, StandardCharsets.UTF_8), where);
    }

    private static byte[] inflate(byte[] data, int offset, int length, String where) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data, offset, length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new MalformedRunFileException(where, "zlib stream is truncated");
                }
                out.write(buf, 0, n);
                if (out.size() > MAX_MAP_BYTES) {
                    throw new MalformedRunFileException(where, "inflates to more than " + MAX_MAP_BYTES + " bytes");
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new MalformedRunFileException(where, "not a zlib stream: " + e.getMessage());
        } finally {
            inflater.end();
        }
    }

    /**
     * @param text the JSON document
     * @param where name used in messages
     * @return the map
     */
    public static BlockMap fromJson(String text, String where) {
        try {
            return new Decoder(where).map(JsonReader.parse(text, where));
        } catch (OutOfMemoryError e) {
            // A map of a few hundred MiB (a section inflates to at most 256) may need more heap than the
            // JVM has: all that was built is garbage once this unwinds, so this is a clean refusal.
            throw new UnsupportedInputException(where + ": the block map is too large for this JVM's heap"
                    + " (java -Xmx sets it)");
        }
    }

    /** Turns the parsed JSON into the model, one check and one message per member. */
    private static final class Decoder {
        private final String where;

        Decoder(String where) {
            this.where = where;
        }

        private MalformedRunFileException bad(String problem) {
            return new MalformedRunFileException(where, problem);
        }

        BlockMap map(Object root) {
            Map<?, ?> top = object(root, "the map");
            if (!BlockMap.FORMAT.equals(top.get("format"))) {
                throw bad("not a ykrw block map (\"format\" is " + top.get("format") + ", expected " + BlockMap.FORMAT + ")");
            }
            long version = integer(top, "version", "the map");
            if (version < BlockMap.OLDEST_VERSION || version > BlockMap.VERSION) {
                throw bad("block map version " + version + " is not supported (this ykrw reads versions "
                        + BlockMap.OLDEST_VERSION + " to " + BlockMap.VERSION + ")");
            }
            String input = string(top, "input", "the map");
            String idText = string(top, "mapId", "the map");
            if (!idText.matches("[0-9a-fA-F]{16}")) {
                throw bad("\"mapId\" " + idText + " is not 16 hex digits");
            }
            long mapId = Long.parseUnsignedLong(idText, 16);
            String pass = string(top, "pass", "the map");
            List<?> fnList = array(top.get("functions"), "\"functions\"");
            List<MappedFunction> functions = new ArrayList<>(fnList.size());
            for (int i = 0; i < fnList.size(); i++) {
                functions.add(function(fnList.get(i), i));
            }
            List<String> hooks = new ArrayList<>();
            if (top.get("hooks") != null) {
                for (Object h : array(top.get("hooks"), "\"hooks\"")) {
                    if (!(h instanceof String s)) {
                        throw bad("\"hooks\" holds a non-string");
                    }
                    hooks.add(printable(s, "\"hooks\""));
                }
            }
            try {
                return new BlockMap(input, mapId, pass, functions, hooks);
            } catch (IllegalArgumentException e) {
                throw bad(e.getMessage());
            }
        }

        private MappedFunction function(Object o, int position) {
            String what = "function " + position;
            Map<?, ?> f = object(o, what);
            long index = integer(f, "index", what);
            if (index != position) {
                throw bad(what + " has \"index\" " + index);
            }
            String name = string(f, "name", what);
            long address = integer(f, "address", what);
            long end = integer(f, "end", what);
            if (address < 0 || end < address) {
                throw bad(String.format("%s (%s) has address %d and end %d", what, name, address, end));
            }
            List<?> blockList = array(f.get("blocks"), what + " \"blocks\"");
            List<MappedBlock> blocks = new ArrayList<>(blockList.size());
            long previous = -1;
            for (int j = 0; j < blockList.size(); j++) {
                String bwhat = "block " + j + " of " + name;
                List<?> t = array(blockList.get(j), bwhat);
                if (t.size() < 3 || t.size() > 4 || !(t.get(0) instanceof Long a) || !(t.get(1) instanceof Long size)
                        || !(t.get(2) instanceof Long probe)) {
                    throw bad(bwhat + " is not [address, size, probe] or [address, size, -1, [implied by]]");
                }
                List<Integer> impliedBy = t.size() == 4 ? impliedBy(t.get(3), blockList.size(), bwhat) : List.of();
                if (a <= previous || size <= 0 || size > Integer.MAX_VALUE || probe < BlockMap.NO_PROBE
                        || probe > Integer.MAX_VALUE) {
                    throw bad(String.format("%s is [%d, %d, %d]: address out of order or size/probe out of range",
                            bwhat, a, size, probe));
                }
                previous = a;
                blocks.add(new MappedBlock(position, j, a, (int) (long) size, (int) (long) probe, impliedBy));
            }
            byte[] entry = new byte[0];
            if (f.get("entry") != null) {
                if (!(f.get("entry") instanceof String hex) || hex.length() > 2 * MappedFunction.ENTRY_CODE_BYTES
                        || !hex.matches("([0-9a-fA-F]{2})*")) {
                    throw bad(what + " (" + name + ") has an \"entry\" that is not up to "
                            + MappedFunction.ENTRY_CODE_BYTES + " bytes in hex");
                }
                entry = HexFormat.of().parseHex(hex);
            }
            return new MappedFunction(position, name, address, end, blocks, entry);
        }

        /** The fourth element of a pruned block: indexes of blocks of the same function (BlockMap checks the rest). */
        private List<Integer> impliedBy(Object o, int blocks, String what) {
            List<?> list = array(o, what + "'s implied-by list");
            if (list.isEmpty()) {
                throw bad(what + " has an empty implied-by list");
            }
            List<Integer> out = new ArrayList<>(list.size());
            for (Object e : list) {
                if (!(e instanceof Long w) || w < 0 || w >= blocks) {
                    throw bad(what + " is implied by " + e + ", not a block of its function");
                }
                out.add((int) (long) w);
            }
            return out;
        }

        private Map<?, ?> object(Object o, String what) {
            if (!(o instanceof Map<?, ?> m)) {
                throw bad(what + " is not a JSON object");
            }
            return m;
        }

        private List<?> array(Object o, String what) {
            if (!(o instanceof List<?> l)) {
                throw bad(what + " is missing or not a JSON array");
            }
            return l;
        }

        private long integer(Map<?, ?> m, String key, String what) {
            if (!(m.get(key) instanceof Long v)) {
                throw bad(what + " has no integer \"" + key + "\"");
            }
            return v;
        }

        private String string(Map<?, ?> m, String key, String what) {
            if (!(m.get(key) instanceof String s)) {
                throw bad(what + " has no string \"" + key + "\"");
            }
            return printable(s, what + " \"" + key + "\"");
        }

        /**
         * Names go into reports and onto terminals: a control character would start a new lcov record
         * or an escape sequence, and no function or file name ykrw writes has one.
         */
        private String printable(String s, String what) {
            if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
                throw bad(what + " holds a control character");
            }
            return s;
        }
    }
}
