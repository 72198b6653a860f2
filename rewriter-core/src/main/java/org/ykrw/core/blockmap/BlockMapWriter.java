package org.ykrw.core.blockmap;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.zip.Deflater;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;
import org.ykrw.core.report.Json;

/**
 * Writes a {@link BlockMap} as the JSON of docs/FORMATS.md section 1 ({@code --map FILE.json}) and
 * as the zlib stream the instrumenter embeds in section {@code .ykrw.map}. One function per line, so
 * the file stays greppable and diffs of two maps line up by function.
 */
public final class BlockMapWriter {
    private BlockMapWriter() {
    }

    /**
     * @param map the map
     * @return its JSON text, ending with a newline
     */
    public static String toJson(BlockMap map) {
        StringBuilder b = new StringBuilder(64 + map.functions().size() * 96);
        b.append("{\"format\": ").append(Json.quote(BlockMap.FORMAT)).append(", \"version\": ").append(BlockMap.VERSION)
                .append(", \"input\": ").append(Json.quote(map.input()))
                .append(", \"mapId\": ").append(Json.quote(BlockMap.mapIdHex(map.mapId())))
                .append(", \"pass\": ").append(Json.quote(map.pass())).append(",\n \"functions\": [");
        String sep = "\n  ";
        for (MappedFunction f : map.functions()) {
            b.append(sep).append("{\"index\": ").append(f.index()).append(", \"name\": ").append(Json.quote(f.name()))
                    .append(", \"address\": ").append(f.address()).append(", \"end\": ").append(f.end());
            byte[] entry = f.entryCode();
            if (entry.length > 0) {
                b.append(", \"entry\": \"").append(HexFormat.of().formatHex(entry)).append('"');
            }
            b.append(", \"blocks\": [");
            String bsep = "";
            for (MappedBlock bl : f.blocks()) {
                b.append(bsep).append('[').append(bl.address()).append(", ").append(bl.size()).append(", ")
                        .append(bl.probe());
                if (bl.isImplied()) {
                    b.append(", ").append(bl.impliedBy());
                }
                b.append(']');
                bsep = ", ";
            }
            b.append("]}");
            sep = ",\n  ";
        }
        b.append("\n ]");
        if (!map.hooks().isEmpty()) {
            b.append(",\n \"hooks\": [");
            String hsep = "";
            for (String h : map.hooks()) {
                b.append(hsep).append(Json.quote(h));
                hsep = ", ";
            }
            b.append(']');
        }
        return b.append("}\n").toString();
    }

    /**
     * @param map the map
     * @return the contents of section {@code .ykrw.map}: the JSON compressed with zlib
     */
    public static byte[] toSectionBytes(BlockMap map) {
        return toSectionBytes(toJson(map).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param json the map's JSON ({@link #toJson}), UTF-8
     * @return the contents of section {@code .ykrw.map}: the JSON compressed with zlib
     */
    public static byte[] toSectionBytes(byte[] json) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            deflater.setInput(json);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            while (!deflater.finished()) {
                out.write(buf, 0, deflater.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }
}
