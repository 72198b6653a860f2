/**
 * ykrw's rewriter as a library: read an ELF file ({@code elf}), lift it ({@code cfg.CfgBuilder},
 * {@code cfg.LiftOptions}) into functions, blocks and instructions ({@code ir}, {@code x86}), write a
 * pass with probes ({@code pass}, {@code x86.encode}, {@code analysis} for liveness) and rewrite
 * ({@code org.ykrw.core.Rewriter}, whose result names {@code layout} and {@code report} types);
 * errors are {@code diag} exceptions. The rest (ELF writing, unwind and DWARF rewriting, the block
 * map's format, the capstone decoder) is internal, exported only to ykrw's own modules that need it.
 * The command line ({@code cli}) is an application on the class path and reads every package.
 */
// the modules of the qualified exports are compiled after this one; jna is an automatic module
@SuppressWarnings({"module", "requires-automatic"})
module org.ykrw.core {
    requires com.sun.jna;  // capstone, for the decoder's fast path
    requires com.carrotsearch.hppc;  // primitive long lists, sets and maps for lifting
    requires jdk.unsupported;  // sun.misc.Unsafe: the decoder reads capstone's output in place
    requires jdk.management;  // PhaseTimer: CPU time and allocation per phase (--timings)

    exports org.ykrw.core;
    exports org.ykrw.core.analysis;
    exports org.ykrw.core.cfg;
    exports org.ykrw.core.diag;
    exports org.ykrw.core.elf;
    exports org.ykrw.core.ir;
    exports org.ykrw.core.layout;
    exports org.ykrw.core.pass;
    exports org.ykrw.core.report;
    exports org.ykrw.core.x86;
    exports org.ykrw.core.x86.encode;

    exports org.ykrw.core.blockmap to org.ykrw.coverage, org.ykrw.passes;
    exports org.ykrw.core.dwarf to org.ykrw.coverage;
    exports org.ykrw.core.x86.decode to org.ykrw.coverage;
}
