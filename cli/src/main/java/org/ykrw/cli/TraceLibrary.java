package org.ykrw.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.ykrw.core.analysis.Clobbers;
import org.ykrw.core.cfg.CfgBuilder;
import org.ykrw.core.cfg.LiftOptions;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;

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
        try {
            Program lib = CfgBuilder.lift(ElfFile.read(file.get()), LiftOptions.defaults());
            Optional<Function> f = lib.functionByName(function);
            if (f.isEmpty()) {
                return new Summary(Clobbers.UNKNOWN, "trace: " + file.get() + " has no " + function
                        + ": probes keep every caller-saved register");
            }
            Clobbers c = Clobbers.of(lib, f.get());
            return new Summary(c, "trace: " + function + " of " + file.get() + " may change " + c);
        } catch (YkrwException e) {
            return new Summary(Clobbers.UNKNOWN, "trace: " + file.get() + " not read (" + e.getMessage()
                    + "): probes keep every caller-saved register");
        }
    }

    /** A summary and the note that explains it. */
    record Summary(Clobbers clobbers, String note) {
    }
}
