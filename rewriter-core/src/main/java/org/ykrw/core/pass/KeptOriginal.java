package org.ykrw.core.pass;

/**
 * Input bytes an in-place patch overwrote, kept in the output ({@link PassRequests#keepOriginals}) so
 * that a later run can put them back and give the file it started from byte for byte.
 *
 * @param name what the patch is known by (for {@code patch}: the function as the user named it)
 * @param address input address of the first byte
 * @param bytes the original bytes
 */
public record KeptOriginal(String name, long address, byte[] bytes) {
    /** Keeps a copy. */
    public KeptOriginal {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }
}
