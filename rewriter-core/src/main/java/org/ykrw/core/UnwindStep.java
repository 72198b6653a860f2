package org.ykrw.core;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;
import org.ykrw.core.emit.ElfImageBuilder;
import org.ykrw.core.ir.Function;
import org.ykrw.core.layout.CodeLayout;
import org.ykrw.core.meta.UnwindInput;
import org.ykrw.core.dwarf.UnwindRewriteException;
import org.ykrw.core.meta.UnwindRewriter;

/**
 * The unwind segment of a rewrite (new LSDAs, .eh_frame, .eh_frame_hdr). Most of its work needs only
 * the layout, not where the segment goes (which is known once every segment before it is added), so
 * it starts on another thread as soon as the layout is done and runs while the code is written.
 */
final class UnwindStep {
    private final ElfFile elf;
    private final CompletableFuture<UnwindInput> input;
    private CompletableFuture<UnwindRewriter.Prepared> prepared;

    /** Starts reading the input's unwind information, which needs nothing lifted. */
    UnwindStep(ElfFile elf) {
        this.elf = elf;
        this.input = CompletableFuture.supplyAsync(() -> UnwindInput.read(elf));
    }

    /**
     * Starts the work that needs only the layout.
     *
     * @param ranges the new [start, end) of each moved function
     */
    void start(CodeLayout layout, Map<Function, long[]> ranges) {
        prepared = input.thenApplyAsync(
                in -> UnwindRewriter.prepare(elf, in, layout.functions(), layout.instructionMap(), ranges));
    }

    /**
     * Adds the unwind segment (new LSDAs, .eh_frame, .eh_frame_hdr), laid out for the address its
     * reservation gets (withdrawn when the tables cannot be written), points
     * PT_GNU_EH_FRAME at it (adding one to static links, which have none: libgcc's unwinder falls back
     * to it, through _dl_find_object, for code the frames registered by crtbeginT.o do not cover) and
     * renames the input's sections so tools read the new, complete ones.
     *
     * @return one line saying what was written, or why nothing was
     */
    String write(ElfImageBuilder image) {
        UnwindRewriter.Result u;
        ElfImageBuilder.SegmentHandle segment = null;
        try {
            UnwindRewriter.Prepared p = join();
            if (p == null) {
                return "no .eh_frame";
            }
            segment = image.reserveSegment(null, Segment.PF_R);
            u = p.write(segment.address());
        } catch (UnwindRewriteException e) {
            if (segment != null) {
                segment.release();
            }
            return "unwind information not rewritten: " + e.getMessage();
        }
        segment.fill(u.contents().clone());
        for (String name : List.of(".eh_frame", ".eh_frame_hdr", ".gcc_except_table")) {
            elf.section(name).ifPresent(s -> image.renameSection(s.index(), ".ykrw.old" + name));
        }
        if (u.lsdaSize() > 0) {
            image.addSection(".gcc_except_table", u.base(), u.lsdaSize());
        }
        image.addSection(".eh_frame", u.ehFrame(), u.ehFrameSize());
        image.addSection(".eh_frame_hdr", u.hdr(), u.hdrSize());
        image.redirectSegment(Segment.PT_GNU_EH_FRAME, u.hdr(), u.hdrSize());
        return String.format("%d FDEs and %d LSDAs for moved code", u.newFdes(), u.newLsdas());
    }

    /** @return the prepared work; what it threw is thrown here, as if it had run on this thread */
    private UnwindRewriter.Prepared join() {
        try {
            return prepared.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
