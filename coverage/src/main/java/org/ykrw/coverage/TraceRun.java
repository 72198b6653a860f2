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
 * One {@code ykrw-trace.<pid>.bin} file (docs/FORMATS.md section 3): the blocks a process of a
 * {@code --trace} binary passed, in order, thread by thread. Version 2 (YKRWTRC2) holds encoded chunks
 * and the threads' windows, read against the build's successor table ({@link TraceTable}); version 1
 * (YKRWTRC1, runs of ykrw before it) one shared array of (function, block) pairs. Only the header and
 * an index of the chunks are kept in memory: records are streamed from the file.
 */
public final class TraceRun {
    /** The first 8 bytes of a version 1 file. */
    public static final String MAGIC = "YKRWTRC1";
    /** The first 8 bytes of a version 2 file. */
    public static final String MAGIC_V2 = "YKRWTRC2";
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

    /** Receives the records of a version 2 run, thread by thread. */
    @FunctionalInterface
    public interface ProbeVisitor {
        /**
         * @param thread the thread's serial (threads in the order they first recorded, from 0)
         * @param ordinal position of the record in that thread's trace, from 0
         * @param probe the block's probe number (its slot in the block map)
         */
        void record(int thread, long ordinal, int probe);
    }

    private final Path path;
    private final long headerSize;
    /** version 2: the chunks and windows, by thread; null for version 1 */
    private final TraceChunks chunks;
    private final long reserved;
    private final long capacity;
    private final long mapId;
    private final long loadBias;
    private final int pid;
    private final String executable;

    private TraceRun(Path path, long headerSize, long reserved, long capacity, long mapId, long loadBias, int pid,
            String executable, TraceChunks chunks) {
        this.chunks = chunks;
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
            String m = new String(magic, StandardCharsets.ISO_8859_1);
            if (MAGIC_V2.equals(m)) {
                long headerSize = h.getInt(8) & 0xFFFF_FFFFL;
                if (headerSize < HEADER_SIZE_WITH_PATH || headerSize > length) {
                    throw new MalformedRunFileException(name, "header size " + headerSize + " is outside ["
                            + HEADER_SIZE_WITH_PATH + ", " + length + "] (the file length)");
                }
                TraceChunks index = TraceChunks.scan(ch, name, headerSize, h.getInt(12), length);
                long dropped = h.getLong(56);
                if (dropped < 0) {
                    throw new MalformedRunFileException(name, "dropped count " + Long.toUnsignedString(dropped) + " is out of range");
                }
                long held = index.records();
                return new TraceRun(path, headerSize, held + dropped, held, h.getLong(32), h.getLong(40), h.getInt(48),
                        RecordedPath.read(h, headerSize, name), index);
            }
            if (!MAGIC.equals(m)) {
                throw new MalformedRunFileException(name, "not a ykrw trace run (magic is not " + MAGIC_V2 + ")");
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
                    RecordedPath.read(h, headerSize, name), null);
        } catch (NoSuchFileException e) {
            throw new YkrwException(name + ": no such file");
        } catch (IOException e) {
            throw new YkrwException(name + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** @return true for a version 2 run: its records are probe numbers, read with {@link #forEachProbe} */
    public boolean isEncoded() {
        return chunks != null;
    }

    /** @return threads that recorded (1 for a version 1 run, whose records are not told apart by thread) */
    public int threads() {
        return chunks != null ? chunks.threads() : 1;
    }

    /**
     * Streams a version 2 run's records, thread by thread (by serial), each thread's in order.
     *
     * @param table the successor table of the build that ran
     * @param thread only this thread's records (negative: every thread's)
     * @param limit at most this many records per thread (negative: all)
     * @param visitor receives each record
     */
    public void forEachProbe(TraceTable table, int thread, long limit, ProbeVisitor visitor) {
        if (chunks == null) {
            throw new IllegalStateException("a version 1 run has (function, block) records: use forEachRecord");
        }
        chunks.forEach(path, table, thread, limit, visitor);
    }

    /**
     * Streams a version 1 run's records, in the order they were reserved.
     *
     * @param limit at most this many (negative: all)
     * @param visitor receives each record
     */
    public void forEachRecord(long limit, RecordVisitor visitor) {
        if (chunks != null) {
            throw new IllegalStateException("a version 2 run has probe numbers: use forEachProbe");
        }
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

    /** @return records lost because the trace outgrew its capacity (version 2: or the file could not take them) */
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
