package org.ykrw.core.elf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directories a file's own .dynamic adds to ld.so's search for its DT_NEEDED libraries. ld.so looks
 * in DT_RPATH before LD_LIBRARY_PATH and in DT_RUNPATH after it (and ignores DT_RPATH when DT_RUNPATH is
 * there), so the two are kept apart.
 *
 * @param beforeEnvironment DT_RPATH's directories, as written
 * @param afterEnvironment DT_RUNPATH's directories, as written
 */
public record LibrarySearchPath(List<String> beforeEnvironment, List<String> afterEnvironment) {
    /** No directories of the file's own. */
    public static final LibrarySearchPath NONE = new LibrarySearchPath(List.of(), List.of());

    /**
     * @param directories entries as written in the file
     * @param origin the directory the program will run from ($ORIGIN)
     * @return the entries with $ORIGIN expanded; entries with other tokens ($LIB, $PLATFORM), which
     *     depend on the loader, are left out, as are empty ones
     */
    public static List<Path> expand(List<String> directories, Path origin) {
        List<Path> out = new ArrayList<>();
        for (String d : directories) {
            String e = d.replace("${ORIGIN}", origin.toString()).replace("$ORIGIN", origin.toString());
            if (!e.isEmpty() && !e.contains("$")) {
                out.add(Path.of(e));
            }
        }
        return out;
    }
}
