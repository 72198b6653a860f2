package org.ykrw.passes.instrument;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.DeflaterOutputStream;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.pass.PassContext;

/**
 * The block map of docs/FORMATS.md section 1: every function and block with its (fn, bb) indices,
 * input address, size and probe slot; written with {@code --map} and embedded in the output,
 * zlib-compressed, as {@value #NAME}.
 */
public final class BlockMapSection {
    /** Name of the non-loaded section that carries the map. */
    public static final String NAME = ".ykrw.map";

    private BlockMapSection() {
    }

    /** @return the map as JSON text */
    static String json(PassContext context, String pass, Map<Block, Integer> probeOf) {
        StringBuilder s = new StringBuilder(1 << 16);
        s.append("{\"format\":\"ykrw-map\",\"version\":1,\"input\":");
        quote(s, context.inputName());
        s.append(",\"mapId\":\"").append(String.format("%016x", context.mapId())).append("\",\"pass\":\"")
                .append(pass).append("\",\"functions\":[");
        boolean firstFunction = true;
        for (Function f : context.program().functions()) {
            s.append(firstFunction ? "\n" : ",\n");
            firstFunction = false;
            s.append("{\"index\":").append(f.index()).append(",\"name\":");
            quote(s, f.name());
            s.append(",\"address\":").append(f.entryAddress()).append(",\"end\":").append(f.endAddress())
                    .append(",\"blocks\":[");
            boolean firstBlock = true;
            for (Block b : f.blocks()) {
                s.append(firstBlock ? "" : ",");
                firstBlock = false;
                s.append('[').append(b.address()).append(',').append(b.size()).append(',')
                        .append(probeOf.getOrDefault(b, -1)).append(']');
            }
            s.append("]}");
        }
        return s.append("\n]}\n").toString();
    }

    /** Name of the artifact that hands the map's JSON to the caller (for --map). */
    public static final String ARTIFACT = "block-map.json";

    /** Embeds the map in the output and hands its JSON to the caller. */
    static void add(PassContext context, String pass, Map<Block, Integer> probeOf) {
        byte[] text = json(context, pass, probeOf).getBytes(StandardCharsets.UTF_8);
        context.addUnloadedSection(NAME, compress(text));
        context.addArtifact(ARTIFACT, text);
    }

    private static byte[] compress(byte[] text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length / 4 + 64);
        try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
            z.write(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void quote(StringBuilder s, String v) {
        s.append('"');
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\') {
                s.append('\\').append(c);
            } else if (c < 0x20) {
                s.append(String.format("\\u%04x", (int) c));
            } else {
                s.append(c);
            }
        }
        s.append('"');
    }
}
