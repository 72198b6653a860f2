package org.ykrw.core.x86.encode;

/**
 * A relative displacement does not fit its field: code moved more than 2 GiB away from what it
 * references, or a short branch asked for a target beyond 127 bytes.
 */
public class DisplacementOutOfRangeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long instructionAddress;
    private final long target;
    private final int fieldBytes;

    /**
     * @param instructionAddress output address of the instruction
     * @param target absolute address it must reach
     * @param fieldBytes size of the displacement field (1 or 4)
     */
    public DisplacementOutOfRangeException(long instructionAddress, long target, int fieldBytes) {
        super(String.format("target 0x%x is out of reach of a %d-byte displacement at 0x%x", target, fieldBytes,
                instructionAddress));
        this.instructionAddress = instructionAddress;
        this.target = target;
        this.fieldBytes = fieldBytes;
    }

    /** @return output address of the instruction */
    public long instructionAddress() {
        return instructionAddress;
    }

    /** @return the unreachable target */
    public long target() {
        return target;
    }

    /** @return size of the displacement field in bytes */
    public int fieldBytes() {
        return fieldBytes;
    }
}
