package org.ykrw.coverage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.ykrw.core.diag.MalformedRunFileException;

/**
 * The path of the file that ran, as the runtime records it in a run's header (coverage and trace
 * runs alike, docs/FORMATS.md): NUL-terminated in the field from offset 64 to the end of the
 * header's first 512 bytes. It goes into messages and reports, so a run of unknown origin may not
 * put a control character (an escape sequence, a new lcov record) there.
 */
final class RecordedPath {
    /** Offset of the path in the header. */
    static final int OFFSET = 64;
    /** End of the path field (the header the runtime writes is this long). */
    static final int END = 512;

    private RecordedPath() {
    }

    /**
     * @param header the header's bytes read so far (at least min(headerSize, END) of them)
     * @param headerSize the header size the file declares
     * @param name the file, for messages
     * @return the path, "" when none was recorded (or the header has no path field)
     */
    static String read(ByteBuffer header, long headerSize, String name) {
        int end = (int) Math.min(headerSize, END);
        int len = 0;
        while (OFFSET + len < Math.min(end, header.limit()) && header.get(OFFSET + len) != 0) {
            len++;
        }
        if (OFFSET + len >= end && end > OFFSET) {
            throw new MalformedRunFileException(name, "executable path in the header is not NUL-terminated");
        }
        byte[] bytes = new byte[len];
        header.get(OFFSET, bytes);
        for (byte c : bytes) {
            if ((c & 0xFF) < 0x20 || c == 0x7F) {
                throw new MalformedRunFileException(name, "executable path in the header holds a control character");
            }
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
