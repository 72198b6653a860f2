package org.ykrw.core;

import java.util.function.Predicate;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.AddressKeyedRuntime;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Block;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.pass.PassRequests;

/**
 * What {@link Rewriter#rewrite} refuses, so that a library caller gets an error where the CLI would
 * give one, not a broken or silently incomplete output.
 */
final class RewriteChecks {
    private RewriteChecks() {
    }

    /**
     * Refuses a program whose runtime finds its code by address (Go; a V8 embedder whose blob the lift
     * cannot leave in place), unless the options accept it.
     */
    static void input(ElfFile elf, RewriteOptions options) {
        if (!options.rewriteAddressKeyedRuntimes()) {
            AddressKeyedRuntime.refuseToMove(elf);
        }
    }

    /** Fails when the passes put probes where they will not be written, unless the options accept it. */
    static void probes(Program program, Predicate<Function> moved, RewriteOptions options) {
        if (options.dropLostProbes()) {
            return;
        }
        int lost = 0;
        String example = null;
        for (Function f : program.functions()) {
            if (!moved.test(f) && hasProbes(f)) {
                lost++;
                example = example == null ? f.name() : example;
            }
        }
        if (lost > 0) {
            throw new LostProbesException(lost, example);
        }
    }

    /**
     * Fails when a pass asked to keep the bytes it overwrote ({@link PassRequests#keepOriginals}): only
     * {@link Rewriter#rewriteInPlace} writes that record, and a relocating rewrite would also write its
     * entry jumps over a moved function's first bytes, so the pass's own patch there would be lost.
     */
    static void nothingKept(PassRequests requests) {
        if (requests.keptOriginals() != null) {
            throw new YkrwException("a pass asked to keep the bytes it overwrote (the patch pass does): only an in-place"
                    + " rewrite (Rewriter.rewriteInPlace) keeps them");
        }
    }

    private static boolean hasProbes(Function f) {
        if (!f.entryProbes().isEmpty()) {
            return true;
        }
        for (Block b : f.blocks()) {
            if (b.hasProbes()) {
                return true;
            }
        }
        return false;
    }
}
