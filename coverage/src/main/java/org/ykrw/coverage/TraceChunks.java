package org.ykrw.coverage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import org.ykrw.core.diag.MalformedRunFileException;
import org.ykrw.core.diag.YkrwException;

/**
 * The index of a version 2 trace run (docs/FORMATS.md section 3): where each thread's encoded chunks
 * and its window lie in the file, found by walking the file from the header on. Zero bytes between
 * them are space a thread reserved and did not fill (a window's alignment, a chunk cut short by the
 * process's end) and are skipped.
 */
final class TraceChunks {
    private static final int CHUNK_MAGIC = 0x43544b59;   // "YKTC"
    private static final int WINDOW_MAGIC = 0x53544b59;  // "YKTS"
    private static final int CHUNK_HEADER = 32;
    private static final int PAGE = 4096;
    /** Largest window the reader accepts (the runtime's is 64 KiB). */
    private static final int MAX_WINDOW = 64 << 20;

    /** One encoded chunk, or a window (its raw records, newest lowest). */
    private record Piece(int sequence, long offset, long records, int bytes, boolean window) {
    }

    private final String name;
    private final TreeMap<Integer, List<Piece>> byThread;
    private final long records;

    private TraceChunks(String name, TreeMap<Integer, List<Piece>> byThread, long records) {
        this.name = name;
        this.byThread = byThread;
        this.records = records;
    }

    /**
     * @param ch the open file
     * @param name its name, for messages
     * @param start where the first chunk may lie (the header's size)
     * @param windowBytes record bytes of a window, from the header
     * @param length the file's length
     * @return the index
     */
    static TraceChunks scan(FileChannel ch, String name, long start, int windowBytes, long length) throws IOException {
        if (windowBytes < 8 || windowBytes > MAX_WINDOW || Integer.bitCount(windowBytes) != 1) {
            throw new MalformedRunFileException(name, "window size " + Integer.toUnsignedString(windowBytes)
                    + " is not a power of two in [8, " + MAX_WINDOW + "]");
        }
        TreeMap<Integer, List<Piece>> byThread = new TreeMap<>();
        long records = 0;
        ByteBuffer head = ByteBuffer.allocate(CHUNK_HEADER).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer window = ByteBuffer.allocate(windowBytes).order(ByteOrder.LITTLE_ENDIAN);
        long at = (start + 7) & ~7L;
        while (at + 8 <= length) {
            head.clear();
            head.limit((int) Math.min(CHUNK_HEADER, length - at));
            readFully(ch, head, at, name);
            int magic = head.getInt(0);
            if (magic == 0 && head.getInt(4) == 0) {
                at += 8;
                continue;
            }
            if (head.limit() < CHUNK_HEADER) {
                throw new MalformedRunFileException(name, String.format("a piece at 0x%x is cut short by the file's end", at));
            }
            int thread = head.getInt(4);
            int sequence = head.getInt(8);
            if (thread < 0 || sequence < 0) {
                throw new MalformedRunFileException(name, String.format("a piece at 0x%x has thread %s sequence %s", at,
                        Integer.toUnsignedString(thread), Integer.toUnsignedString(sequence)));
            }
            Piece piece;
            if (magic == CHUNK_MAGIC) {
                long n = head.getInt(12) & 0xFFFF_FFFFL;
                long bytes = head.getInt(16) & 0xFFFF_FFFFL;
                if ((bytes & 3) != 0 || bytes > length - at - CHUNK_HEADER || n > bytes * 8) {
                    throw new MalformedRunFileException(name, String.format("the chunk at 0x%x claims %d records in %d bytes,"
                            + " the file has %d after it", at, n, bytes, length - at - CHUNK_HEADER));
                }
                piece = new Piece(sequence, at + CHUNK_HEADER, n, (int) bytes, false);
                at += (CHUNK_HEADER + bytes + 7) & ~7L;
            } else if (magic == WINDOW_MAGIC) {
                int bytes = head.getInt(12);
                if (at % PAGE != 0 || bytes != windowBytes || at + PAGE + (long) bytes > length) {
                    throw new MalformedRunFileException(name, String.format("the window at 0x%x (%s bytes) does not fit"
                            + " the file or its header's window size", at, Integer.toUnsignedString(bytes)));
                }
                window.clear();
                readFully(ch, window, at + PAGE, name);
                long n = 0;
                for (int slot = bytes / 4 - 2; slot >= 0 && window.getInt(4 * slot) != 0; slot--) {
                    n++;
                }
                piece = new Piece(sequence, at + PAGE, n, bytes, true);
                at += PAGE + bytes;
            } else {
                throw new MalformedRunFileException(name, String.format("unknown piece 0x%08x at 0x%x", magic, at));
            }
            records += piece.records();
            byThread.computeIfAbsent(thread, t -> new ArrayList<>()).add(piece);
        }
        for (List<Piece> pieces : byThread.values()) {
            // a thread's window holds the records after its last chunk: it has that chunk's next sequence
            pieces.sort(Comparator.comparingInt(Piece::sequence).thenComparing(Piece::window));
        }
        return new TraceChunks(name, byThread, records);
    }

    /** @return records in chunks and windows */
    long records() {
        return records;
    }

    /** @return threads that recorded */
    int threads() {
        return byThread.size();
    }

    void forEach(Path path, TraceTable table, int only, long limit, TraceRun.ProbeVisitor visitor) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            for (var e : byThread.entrySet()) {
                int thread = e.getKey();
                if (only >= 0 && thread != only) {
                    continue;
                }
                long[] ordinal = {0};
                for (Piece p : e.getValue()) {
                    if (limit >= 0 && ordinal[0] >= limit) {
                        break;
                    }
                    ByteBuffer b = ByteBuffer.allocate(p.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                    readFully(ch, b, p.offset(), name);
                    if (p.window()) {
                        for (int slot = p.bytes() / 4 - 2; slot > p.bytes() / 4 - 2 - p.records(); slot--) {
                            if (limit >= 0 && ordinal[0] >= limit) {
                                break;
                            }
                            long probe = (b.getInt(4 * slot) & 0xFFFF_FFFFL) - 1;
                            if (probe >= table.count()) {
                                throw new MalformedRunFileException(name, "a window of thread " + thread + " holds probe "
                                        + probe + ", which the table (" + table.count() + " probes) does not have");
                            }
                            visitor.record(thread, ordinal[0]++, (int) probe);
                        }
                    } else {
                        int[] words = new int[p.bytes() / 4];
                        b.asIntBuffer().get(words);
                        try {
                            TraceDecoder.decode(table, words, p.records(), name, probe -> {
                                if (limit < 0 || ordinal[0] < limit) {
                                    visitor.record(thread, ordinal[0]++, probe);
                                } else {
                                    throw new Stop();
                                }
                            });
                        } catch (Stop stop) {
                            break;
                        }
                    }
                }
            }
        } catch (IOException ex) {
            throw new YkrwException(path + ": cannot read: " + ex.getMessage(), ex);
        }
    }

    /** Ends a chunk's decoding once the limit is reached. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at, String name) throws IOException {
        long from = at - b.position();
        while (b.hasRemaining()) {
            if (ch.read(b, from + b.position()) < 0) {
                throw new MalformedRunFileException(name, "file shrank while being read");
            }
        }
        b.flip();
    }
}
