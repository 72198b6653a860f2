/**
 * ykrw's passes: instrumentation (trace, coverage, counts, {@code CounterFile} for a pass of one's
 * own), tracing-call stripping and return patching, and the embedded runtime they use.
 */
module org.ykrw.passes {
    requires transitive org.ykrw.core;

    exports org.ykrw.passes.instrument;
    exports org.ykrw.passes.optimize;
    exports org.ykrw.passes.patch;
    exports org.ykrw.passes.strip;
    exports org.ykrw.passes.runtime;  // RunFiles and RuntimeConfig appear in the passes' signatures
}
