package org.ykrw.coverage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.diag.InputFile;
import org.ykrw.core.diag.MalformedRunFileException;
import org.ykrw.core.diag.MapMismatchException;
import org.ykrw.core.diag.YkrwException;

/**
 * One {@code ykrw-trace.<pid>.bin} file (docs/FORMATS.md section 3): the (function, block) pairs a
 * process of a {@code --trace} binary passed, in order. Only the header is kept in memory: the
 * default capacity is 16 Mi records (128 MiB), so records are streamed from the file.
 */
public final class TraceRun {
    /** The file's first 8 bytes. */
    public static final String MAGIC = "YKRWTRC1";
    /** Smallest header: the fields (a runtime before the recorded path wrote only these). */
    public static final int HEADER_SIZE = 64;
    /** Header size the runtime writes: the fields, then the path of the file that ran. */
    public static final int HEADER_SIZE_WITH_PATH = RecordedPath.END;
    /** Size of one record: u32 function index, u32 block index. */
    public static final int RECORD_SIZE = 8;

    /** Receives records in file order. */
    @FunctionalInterface
    public interface RecordVisitor {
        /**
         * @param ordinal position of the record in the trace, from 0
         * @param functionIndex the record's function index
         * @param blockIndex the record's block index
         */
        void record(long ordinal, long functionIndex, long blockIndex);
    }

    private final Path path;
    private final long headerSize;
    private final long reserved;
    private final long capacity;
    private final long mapId;
    private final long loadBias;
    private final int pid;
    private final String executable;

    private TraceRun(Path path, long headerSize, long reserved, long capacity, long mapId, long loadBias, int pid,
            String executable) {
        this.executable = executable;
        this.path = path;
        this.headerSize = headerSize;
        this.reserved = reserved;
        this.capacity = capacity;
        this.mapId = mapId;
        this.loadBias = loadBias;
        this.pid = pid;
    }

    /**
     * Reads and checks the header: magic, record size, and that the records written so far are
     * inside the file.
     *
     * @param path the trace file
     * @return the run (records are read by {@link #forEachRecord})
     */
    public static TraceRun open(Path path) {
        String name = path.toString();
        InputFile.requireRegular(path);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long length = ch.size();
            if (length < HEADER_SIZE) {
                throw new MalformedRunFileException(name, "file of " + length + " bytes is shorter than the "
                        + HEADER_SIZE + "-byte header (truncated, or not a trace run)");
            }
            ByteBuffer h = ByteBuffer.allocate((int) Math.min(length, HEADER_SIZE_WITH_PATH)).order(ByteOrder.LITTLE_ENDIAN);
            while (h.hasRemaining() && ch.read(h, h.position()) >= 0) {
                // read until full; the length check above guarantees the bytes exist
            }
            byte[] magic = new byte[8];
            h.get(0, magic);
            if (!MAGIC.equals(new String(magic, StandardCharsets.ISO_8859_1))) {
                throw new MalformedRunFileException(name, "not a ykrw trace run (magic is not " + MAGIC + ")");
            }
            long headerSize = h.getInt(8) & 0xFFFF_FFFFL;
            if (headerSize < HEADER_SIZE || headerSize > length) {
                throw new MalformedRunFileException(name, "header size " + headerSize + " is outside [" + HEADER_SIZE
                        + ", " + length + "] (the file length)");
            }
            int recordSize = h.getInt(12);
            if (recordSize != RECORD_SIZE) {
                throw new MalformedRunFileException(name, "record size " + recordSize + " is not " + RECORD_SIZE);
            }
            long reserved = h.getLong(16);
            long capacity = h.getLong(24);
            long available = (length - headerSize) / RECORD_SIZE;
            if (reserved < 0 || capacity < 0) {
                throw new MalformedRunFileException(name, "record counts " + Long.toUnsignedString(reserved) + " / "
                        + Long.toUnsignedString(capacity) + " are out of range");
            }
            long written = Math.min(reserved, capacity);
            if (written > available) {
                throw new MalformedRunFileException(name, written + " records need " + written * RECORD_SIZE
                        + " bytes after the header, the file has " + (length - headerSize) + " (truncated?)");
            }
            return new TraceRun(path, headerSize, reserved, capacity, h.getLong(32), h.getLong(40), h.getInt(48),
                    RecordedPath.read(h, headerSize, name));
        } catch (NoSuchFileException e) {
            throw new YkrwException(name + ": no such file");
        } catch (IOException e) {
            throw new YkrwException(name + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Streams the records, in the order they were reserved.
     *
     * @param limit at most this many (negative: all)
     * @param visitor receives each record
     */
    public void forEachRecord(long limit, RecordVisitor visitor) {
        long n = limit < 0 ? recordCount() : Math.min(limit, recordCount());
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long ordinal = 0;
            while (ordinal < n) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), (n - ordinal) * RECORD_SIZE));
                long at = headerSize + ordinal * RECORD_SIZE;
                while (buf.hasRemaining()) {
                    if (ch.read(buf, at + buf.position()) < 0) {
                        throw new MalformedRunFileException(path.toString(), "file shrank while being read");
                    }
                }
                buf.flip();
                while (buf.remaining() >= RECORD_SIZE) {
                    visitor.record(ordinal++, buf.getInt() & 0xFFFF_FFFFL, buf.getInt() & 0xFFFF_FFFFL);
                }
            }
        } catch (IOException e) {
            throw new YkrwException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a map this run was not written against.
     *
     * @param map the map used to name the records
     * @param mapName where the map came from
     */
    public void checkMatches(BlockMap map, String mapName) {
        if (mapId != map.mapId()) {
            throw new MapMismatchException(path.toString(), mapName, "map id " + BlockMap.mapIdHex(mapId)
                    + " in the run, " + BlockMap.mapIdHex(map.mapId()) + " in the map (a run of another build?)");
        }
    }

    /** @return the file */
    public Path path() {
        return path;
    }

    /** @return records in the file: those reserved, up to the capacity */
    public long recordCount() {
        return Math.min(reserved, capacity);
    }

    /** @return records the process reserved, dropped ones included */
    public long reserved() {
        return reserved;
    }

    /** @return records the file holds at most */
    public long capacity() {
        return capacity;
    }

    /** @return records lost because the trace outgrew its capacity */
    public long dropped() {
        return Math.max(0, reserved - capacity);
    }

    /** @return the map id the instrumenter embedded */
    public long mapId() {
        return mapId;
    }

    /** @return run-time minus link-time address of the main program */
    public long loadBias() {
        return loadBias;
    }

    /** @return the process id that wrote the run */
    public int pid() {
        return pid;
    }

    /** @return the path of the file that ran (the program, or an instrumented library), "" when not recorded */
    public String executable() {
        return executable;
    }
}
