package org.ykrw.core;

/**
 * Options of a rewrite beyond lifting.
 *
 * @param strict fill the old code of moved functions with {@code int3}, apart from their entry jumps
 *        and what must stay reachable ({@link org.ykrw.core.layout.StrictFill}), so that control the
 *        analysis missed traps instead of running old, uninstrumented code
 * @param rewriteAddressKeyedRuntimes rewrite a program whose runtime finds its own code by address
 *        ({@link org.ykrw.core.elf.AddressKeyedRuntime}) although moved code breaks it (by default
 *        {@link Rewriter#rewrite} refuses it)
 * @param dropLostProbes let probes that a pass put into functions that stay in place go unwritten
 *        (by default {@link Rewriter#rewrite} fails with {@link LostProbesException}: a pass that
 *        instruments only {@link org.ykrw.core.pass.PassInput#isRelocated} functions never loses one)
 * @param verify check the IR's invariants after lifting and after each pass
 *        ({@link org.ykrw.core.pass.CfgVerifier}; {@code --verify}), failing with
 *        {@link org.ykrw.core.pass.IrVerificationException} at the first broken one
 * @param retargetStayingCalls point the direct calls of functions left in place at their callees' new
 *        code instead of the jumps at the old entries (an in-place change of their displacement)
 * @param retargetCodePointers point the pointers to moved functions that a position-independent file
 *        holds in data (through RELATIVE relocations) and builds in moved code (rip-relative {@code lea})
 *        at the new entries, for every function whose pointers can all be found
 *        ({@link CodePointersRewriter}), so that an indirect call no longer runs the old entry's jump
 */
public record RewriteOptions(boolean strict, boolean rewriteAddressKeyedRuntimes, boolean dropLostProbes,
        boolean verify, boolean retargetStayingCalls, boolean retargetCodePointers) {
    /** Options with only strict mode chosen: refusals and lost-probe errors on. */
    public RewriteOptions(boolean strict) {
        this(strict, false, false, false, false, false);
    }

    /** @return the defaults: old code left runnable, Go-like runtimes refused, lost probes an error */
    public static RewriteOptions defaults() {
        return new RewriteOptions(false);
    }

    /** @return these options with strict mode set as given */
    public RewriteOptions withStrict(boolean on) {
        return new RewriteOptions(on, rewriteAddressKeyedRuntimes, dropLostProbes, verify, retargetStayingCalls, retargetCodePointers);
    }

    /** @return these options with the refusal of address-keyed runtimes lifted (or not) */
    public RewriteOptions withRewriteAddressKeyedRuntimes(boolean on) {
        return new RewriteOptions(strict, on, dropLostProbes, verify, retargetStayingCalls, retargetCodePointers);
    }

    /** @return these options with lost probes accepted (or not) */
    public RewriteOptions withDropLostProbes(boolean on) {
        return new RewriteOptions(strict, rewriteAddressKeyedRuntimes, on, verify, retargetStayingCalls, retargetCodePointers);
    }

    /** @return these options with the IR checked after each pass (or not) */
    public RewriteOptions withVerify(boolean on) {
        return new RewriteOptions(strict, rewriteAddressKeyedRuntimes, dropLostProbes, on, retargetStayingCalls, retargetCodePointers);
    }

    /** @return these options with the calls of functions left in place pointed at the new code (or not) */
    public RewriteOptions withRetargetStayingCalls(boolean on) {
        return new RewriteOptions(strict, rewriteAddressKeyedRuntimes, dropLostProbes, verify, on, retargetCodePointers);
    }

    /** @return these options with pointers to moved functions pointed at their new entries (or not) */
    public RewriteOptions withRetargetCodePointers(boolean on) {
        return new RewriteOptions(strict, rewriteAddressKeyedRuntimes, dropLostProbes, verify, retargetStayingCalls, on);
    }
}
