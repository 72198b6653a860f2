package org.ykrw.core.ir;

/**
 * A half-open range of input addresses [start, end).
 *
 * @param start first address
 * @param end address just past the range
 */
public record AddressRange(long start, long end) {
    /** @return number of bytes */
    public long size() {
        return end - start;
    }

    @Override
    public String toString() {
        return String.format("[0x%x, 0x%x)", start, end);
    }
}
