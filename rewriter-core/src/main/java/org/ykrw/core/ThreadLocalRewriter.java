package org.ykrw.core;

import org.ykrw.core.elf.Segment;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.pass.ThreadLocalArea;

/**
 * Writes the new thread-local template when a pass reserved thread-local bytes ({@link ThreadLocalArea}):
 * a writable segment holding the runtime's bytes, then the input's template (its initialised bytes
 * copied, the rest zero), then, past the block's rounded end, an early thread control block; PT_TLS
 * describes the template. Runs right after {@link RuntimeRewriter}, before {@link RuntimeDataRewriter},
 * which tells the runtime where the template and the early block are.
 *
 * <p>Segment layout: [runtime bytes | program template | padding to the block's end = early thread
 * pointer | early TCB, {@value #EARLY_TCB} bytes | u64 count, then the link-time addresses of the
 * template's words that hold pointers (RELATIVE relocations of the input's .tdata)]. The runtime adds
 * the load bias to those words at start-up (and to the main thread's copy when ld.so made it already):
 * the input's own relocations still write the old .tdata, not the copy.
 *
 * <p>The early block serves a static executable's code that runs before libc sets up TLS (%fs base
 * is 0 then, and a probe's {@code %fs:offset} would fault): the runtime's entry points %fs at the end
 * of this very template, so such code reads the template's bytes, until libc installs the real block.
 * The segment is writable so that the runtime can set its bytes in the template (YKRW_TRACE: every
 * thread then starts with them set).
 */
final class ThreadLocalRewriter implements OutputRewriter {
    /** Bytes of the early thread control block past the template (glibc's tcbhead_t starts with tcb, dtv, self). */
    static final int EARLY_TCB = 64;

    /**
     * Where the template went.
     *
     * @param segment the template's segment
     * @param area the layout with the passes' reservations
     */
    record Placed(ElfImageBuilder.SegmentHandle segment, ThreadLocalArea area) {
        /** @return link-time address of the thread pointer the early block uses (the block's end) */
        long earlyThreadPointer() {
            return segment.address() + area.blockSize();
        }
    }

    @Override
    public String name() {
        return "thread-locals";
    }

    @Override
    public void run(RewriteState state) {
        ThreadLocalArea area = state.context.threadLocals();
        if (!area.isUsed()) {
            return;
        }
        if (area.align() > 4096) {
            throw new IllegalStateException("thread-local alignment above a page");
        }
        if (state.runtime == null && state.elf.isStatic()) {
            // nothing would point %fs anywhere before libc does: the probes' %fs:offset would fault
            throw new org.ykrw.core.diag.UnsupportedInputException(state.elf.name()
                    + ": a static executable's thread-local bytes need the embedded runtime to cover code before libc's TLS");
        }
        Segment old = state.elf.segmentOfType(Segment.PT_TLS);
        int programBytes = old == null ? 0 : (int) old.filesz();
        int prefix = (int) area.prefix();
        byte[] contents = new byte[prefix + programBytes];
        if (programBytes > 0) {
            System.arraycopy(state.elf.bytesAt(old.vaddr(), programBytes), 0, contents, prefix, programBytes);
        }
        // the copy's pointers: link-time values here, the load bias added by the runtime (step 2 of its start)
        java.util.List<long[]> relative = ThreadLocalLayout.relativeWords(state.elf);
        java.nio.ByteBuffer words = java.nio.ByteBuffer.wrap(contents).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long[] r : relative) {
            words.putLong(prefix + (int) r[0], r[1]);
        }
        int tableOffset = (int) area.blockSize() + EARLY_TCB;
        int tableSize = 8 + 8 * relative.size();
        ElfImageBuilder.SegmentHandle segment = state.image.reserveSegment(".ykrw.tdata", Segment.PF_R | Segment.PF_W,
                tableOffset + tableSize);
        byte[] all = java.util.Arrays.copyOf(contents, relative.isEmpty() ? contents.length : tableOffset + tableSize);
        java.nio.ByteBuffer table = java.nio.ByteBuffer.wrap(all).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (!relative.isEmpty()) {
            table.putLong(tableOffset, relative.size());
            for (int i = 0; i < relative.size(); i++) {
                table.putLong(tableOffset + 8 + 8 * i, segment.address() + prefix + relative.get(i)[0]);
            }
        }
        segment.fill(all);
        state.image.redirectThreadLocalTemplate(segment.address(), contents.length, area.templateSize(), area.align());
        state.threadLocalsPlaced = new Placed(segment, area);
    }
}
