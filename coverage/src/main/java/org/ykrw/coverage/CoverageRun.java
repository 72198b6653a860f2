package org.ykrw.coverage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.diag.InputFile;
import org.ykrw.core.diag.MalformedRunFileException;
import org.ykrw.core.diag.MapMismatchException;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.diag.YkrwException;

/**
 * One {@code .ykcov} file (docs/FORMATS.md section 2): the counters of one process of a binary
 * instrumented with {@code --coverage}, {@code --counts} or {@code --once}, indexed by probe, and its
 * function-hook records. Every header field is checked against the file's length before the tables
 * are read, so a truncated or foreign file is one error line, never a wrong report.
 */
public final class CoverageRun {
    /** The file's first 8 bytes. */
    public static final String MAGIC = "YKRWCOV1";
    /** Offset of the executable path in the header. */
    static final int PATH_OFFSET = RecordedPath.OFFSET;
    /** Header size the runtime writes. */
    public static final int HEADER_SIZE = 512;
    /** Size of one hook record: calls, current depth, maximum depth. */
    static final int HOOK_RECORD_SIZE = 24;

    /**
     * The hook record of one {@code --hook-functions} function.
     *
     * @param calls times it was entered
     * @param depth recursion depth when the file was last written (non-zero: the process stopped inside it)
     * @param maxDepth deepest recursion seen
     */
    public record HookRecord(long calls, long depth, long maxDepth) {
    }

    private final String file;
    private final int counterWidth;
    private final long[] counters;
    private final long loadBias;
    private final long mapId;
    private final int pid;
    private final String executable;
    private final List<HookRecord> hooks;

    private CoverageRun(String file, int counterWidth, long[] counters, long loadBias, long mapId, int pid,
            String executable, List<HookRecord> hooks) {
        this.file = file;
        this.counterWidth = counterWidth;
        this.counters = counters;
        this.loadBias = loadBias;
        this.mapId = mapId;
        this.pid = pid;
        this.executable = executable;
        this.hooks = List.copyOf(hooks);
    }

    /**
     * @param path a {@code .ykcov} file
     * @return its contents
     */
    public static CoverageRun read(Path path) {
        String name = path.toString();
        InputFile.requireRegular(path);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long length = ch.size();
            ByteBuffer header = readFully(ch, 0, (int) Math.min(length, HEADER_SIZE));
            return parse(name, length, header, (offset, size) -> readFully(ch, offset, size));
        } catch (NoSuchFileException e) {
            throw new YkrwException(name + ": no such file");
        } catch (IOException e) {
            throw new YkrwException(name + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * @param name name used in messages
     * @param data the whole file
     * @return its contents
     */
    public static CoverageRun parse(String name, byte[] data) {
        ByteBuffer whole = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        return parse(name, data.length, whole.slice(0, Math.min(data.length, HEADER_SIZE)).order(ByteOrder.LITTLE_ENDIAN),
                (offset, size) -> whole.slice((int) offset, size).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** Reads {@code size} bytes at {@code offset}; the caller has checked they are inside the file. */
    private interface Range {
        ByteBuffer at(long offset, int size) throws IOException;
    }

    private static ByteBuffer readFully(FileChannel ch, long offset, int size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, offset + b.position()) < 0) {
                throw new IOException("file shrank while being read");
            }
        }
        return b.flip();
    }

    private static CoverageRun parse(String name, long length, ByteBuffer h, Range file) {
        // 1. The fixed header: magic, then every size field against the file length.
        if (length < PATH_OFFSET) {
            throw new MalformedRunFileException(name, "file of " + length + " bytes is shorter than the "
                    + PATH_OFFSET + "-byte header (truncated, or not a .ykcov file)");
        }
        byte[] magic = new byte[8];
        h.get(0, magic);
        if (!MAGIC.equals(new String(magic, StandardCharsets.ISO_8859_1))) {
            throw new MalformedRunFileException(name, "not a ykrw coverage run (magic is not " + MAGIC + ")");
        }
        long headerSize = h.getInt(8) & 0xFFFF_FFFFL;
        if (headerSize < PATH_OFFSET || headerSize > length) {
            throw new MalformedRunFileException(name, "header size " + headerSize + " is outside [" + PATH_OFFSET + ", "
                    + length + "] (the file length)");
        }
        int width = h.getInt(12);
        if (width != 1 && width != 8) {
            throw new MalformedRunFileException(name, "counter width " + width + " is neither 1 nor 8");
        }
        long n = h.getLong(16);
        long hookCount = h.getInt(44) & 0xFFFF_FFFFL;
        long available = length - headerSize;
        if (n < 0 || n > available / width) {
            throw new MalformedRunFileException(name, String.format("%s counters of %d bytes need %s bytes after the"
                    + " header, the file has %d (truncated?)", Long.toUnsignedString(n), width,
                    n < 0 ? "more than 2^63" : Long.toString(n * width), available));
        }
        long hooksAt = (headerSize + n * width + 7) & ~7L;
        if (hookCount > 0 && (hooksAt > length || hookCount > (length - hooksAt) / HOOK_RECORD_SIZE)) {
            throw new MalformedRunFileException(name, String.format("%d hook records at offset %d need %d bytes, the"
                    + " file has %d (truncated?)", hookCount, hooksAt, hookCount * HOOK_RECORD_SIZE, length));
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new MalformedRunFileException(name, n + " counters are more than ykrw handles");
        }
        // A sparse file can claim a billion counters in a few blocks of disk: refuse what would not
        // fit the heap (a long per counter, and the bytes read) rather than fail with OutOfMemoryError.
        long needed = n * (8 + width);
        long room = Runtime.getRuntime().maxMemory() / 2;
        if (needed > room) {
            throw new UnsupportedInputException(String.format("%s: %d counters need %d MiB, more than half of this JVM's"
                    + " heap (%d MiB; java -Xmx sets it)", name, n, needed >> 20, Runtime.getRuntime().maxMemory() >> 20));
        }
        // 2. The executable path: NUL-terminated inside the header's path field.
        String executable = RecordedPath.read(h, headerSize, name);
        // 3. The tables.
        try {
            long[] counters = new long[(int) n];
            ByteBuffer c = file.at(headerSize, (int) (n * width));
            for (int i = 0; i < counters.length; i++) {
                counters[i] = width == 1 ? c.get(i) & 0xFF : c.getLong(8 * i);
            }
            List<HookRecord> hooks = new ArrayList<>();
            if (hookCount > 0) {
                ByteBuffer r = file.at(hooksAt, (int) (hookCount * HOOK_RECORD_SIZE));
                for (int i = 0; i < hookCount; i++) {
                    hooks.add(new HookRecord(r.getLong(24 * i), r.getLong(24 * i + 8), r.getLong(24 * i + 16)));
                }
            }
            return new CoverageRun(name, width, counters, h.getLong(24), h.getLong(32), h.getInt(40),
                    executable, hooks);
        } catch (IOException e) {
            throw new YkrwException(name + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a map this run was not written against.
     *
     * @param map the map the report will use
     * @param mapName where the map came from, for the message
     */
    public void checkMatches(BlockMap map, String mapName) {
        if (mapId != map.mapId()) {
            throw new MapMismatchException(file, mapName, "map id " + BlockMap.mapIdHex(mapId) + " in the run, "
                    + BlockMap.mapIdHex(map.mapId()) + " in the map (a run of another build?)");
        }
        if (counters.length < map.probeSlots()) {
            throw new MapMismatchException(file, mapName, "the run has " + counters.length
                    + " counters, the map's probes need " + map.probeSlots());
        }
        if (!hooks.isEmpty() && hooks.size() != map.hooks().size()) {
            throw new MapMismatchException(file, mapName, "the run has " + hooks.size() + " hook records, the map names "
                    + map.hooks().size() + " hooked functions");
        }
    }

    /** @return the file name, as given */
    public String file() {
        return file;
    }

    /** @return 1 (coverage, once: non-zero means run) or 8 (counts) */
    public int counterWidth() {
        return counterWidth;
    }

    /** @return true for 64-bit execution counts (pass counts), false for run / not-run bytes */
    public boolean hasCounts() {
        return counterWidth == 8;
    }

    /** @return number of counters */
    public int counterCount() {
        return counters.length;
    }

    /** @return the counter of {@code probe} (unsigned for counts) */
    public long counter(int probe) {
        return counters[probe];
    }

    /** @return a copy of the counters */
    public long[] counters() {
        return Arrays.copyOf(counters, counters.length);
    }

    /** @return run-time minus link-time address of the main program (0 when not PIE) */
    public long loadBias() {
        return loadBias;
    }

    /** @return the map id the instrumenter embedded */
    public long mapId() {
        return mapId;
    }

    /** @return the process id that wrote the run */
    public int pid() {
        return pid;
    }

    /** @return the executable's path at run time, "" when the runtime could not tell */
    public String executable() {
        return executable;
    }

    /** @return hook records in the map's {@code hooks} order */
    public List<HookRecord> hooks() {
        return hooks;
    }
}
