package org.ykrw.passes.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The embedded runtime as built from src/main/c/ykrw_rt.c by build-runtime.sh: its code, its
 * initial data (bss as zeros) and its symbols, read from the jar's resources.
 *
 * @param code the code, from offset 0
 * @param dataOffset where the data starts, relative to the code
 * @param data the data and bss
 * @param symbols symbol -> offset from the start of the code
 */
public record RuntimeBlob(byte[] code, int dataOffset, byte[] data, Map<String, Integer> symbols) {
    private static final String DIR = "/org/ykrw/passes/runtime/";

    /** @return the runtime packaged with ykrw */
    public static RuntimeBlob load() {
        byte[] image = resource("ykrw_rt.bin");
        Map<String, Integer> symbols = new HashMap<>();
        for (String line : new String(resource("ykrw_rt.syms"), StandardCharsets.US_ASCII).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 2) {
                symbols.put(f[0], Integer.parseInt(f[1]));
            }
        }
        int dataOffset = symbols.remove("data_offset");
        int imageSize = symbols.remove("image_size");
        byte[] code = Arrays.copyOf(image, Math.min(image.length, dataOffset));
        byte[] data = new byte[imageSize - dataOffset];
        if (image.length > dataOffset) {
            System.arraycopy(image, dataOffset, data, 0, image.length - dataOffset);
        }
        return new RuntimeBlob(code, dataOffset, data, Map.copyOf(symbols));
    }

    /** @return the offset of a symbol in the data, for writing its initial value */
    public int dataOffsetOf(String symbol) {
        return symbols.get(symbol) - dataOffset;
    }

    private static byte[] resource(String name) {
        try (InputStream in = RuntimeBlob.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("the embedded runtime is missing from the jar (" + name
                        + "): build ykrw with gcc and binutils installed");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
