package org.ykrw.core;

/**
 * Options of a rewrite beyond lifting.
 *
 * @param strict fill the old code of moved functions with {@code int3}, apart from their entry jumps
 *        and what must stay reachable ({@link org.ykrw.core.layout.StrictFill}), so that control the
 *        analysis missed traps instead of running old, uninstrumented code
 */
public record RewriteOptions(boolean strict) {
    /** @return the defaults: old code left runnable */
    public static RewriteOptions defaults() {
        return new RewriteOptions(false);
    }

    /** @return these options with strict mode set as given */
    public RewriteOptions withStrict(boolean on) {
        return new RewriteOptions(on);
    }
}
