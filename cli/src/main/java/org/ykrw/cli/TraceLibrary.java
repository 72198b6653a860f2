package org.ykrw.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.ykrw.core.analysis.Clobbers;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;
import org.ykrw.core.x86.Reg;

/**
 * The {@code --trace-lib} library as this machine has it: found the way ld.so would look for it
 * ({@link LibraryLookup}), lifted
 * with the same CfgBuilder as the input, and its tracing function summarised, so that probes save only
 * what that function may change. A library not found here, or one without the function, gives
 * {@link Clobbers#UNKNOWN}: the output still loads whatever library ld.so finds at run time, which is
 * also why the summary is only as good as the promise that it is the same library then.
 */
final class TraceLibrary {
    private TraceLibrary() {
    }

    /**
     * @param lookup where the output's loader will look
     * @param name the library as DT_NEEDED will name it
     * @param function the tracing function's name
     * @return what a call of that function may change, and a line saying where that came from
     */
    static Summary summarise(LibraryLookup lookup, String name, String function) {
        Optional<Path> file = Optional.ofNullable(lookup.locate(name));
        if (file.isEmpty()) {
            return new Summary(Clobbers.UNKNOWN, "trace: " + name + " not found here: probes keep every caller-saved register");
        }
        return summariseFile(file.get(), function);
    }

    /** @return what a call of {@code function} of the library {@code file} may change, and where that came from */
    private static Summary summariseFile(Path file, String function) {
        try {
            Program lib = CfgBuilder.lift(ElfFile.read(file), LiftOptions.defaults());
            Optional<Function> f = lib.functionByName(function);
            if (f.isEmpty()) {
                return new Summary(Clobbers.UNKNOWN, "trace: " + file + " has no " + function
                        + ": probes keep every caller-saved register");
            }
            Clobbers c = Clobbers.of(lib, f.get());
            return new Summary(c, "trace: " + function + " of " + file + " may change " + c);
        } catch (YkrwException e) {
            return new Summary(Clobbers.UNKNOWN, "trace: " + file + " not read (" + e.getMessage()
                    + "): probes keep every caller-saved register");
        }
    }

    /**
     * The tracer a program imports itself: summarised from the first library it needs that defines the
     * function, with r10 and r11 added, which glibc's lazy-binding trampoline may change on the first
     * call through the PLT (it saves the argument registers and vector state, then calls C code).
     *
     * @param lookup where the program's loader will look
     * @param needed the program's DT_NEEDED names, in order
     * @param function the tracing function's name
     * @return what a call of the function through the PLT may change, and a line saying where that came from
     */
    static Summary summariseImport(LibraryLookup lookup, List<String> needed, String function) {
        for (String name : needed) {
            Path file = lookup.locate(name);
            if (file != null && LibraryLookup.exports(file, function)) {
                Summary s = summariseFile(file, function);   // located once: lookup may run ldconfig
                if (s.clobbers().reachesUnknownCode()) {
                    return s;
                }
                Clobbers c = s.clobbers().plus(Reg.bit(Reg.R10) | Reg.bit(Reg.R11));
                return new Summary(c, "trace: " + function + " of " + file + ", imported through the PLT, may change "
                        + c + " (r10 and r11 by lazy binding)");
            }
        }
        return new Summary(Clobbers.UNKNOWN, "trace: no library the program needs defines " + function
                + " here: probes keep every caller-saved register");
    }

    /** A summary and the note that explains it. */
    record Summary(Clobbers clobbers, String note) {
    }
}
