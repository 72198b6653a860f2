package org.ykrw.passes.runtime;

import java.nio.charset.StandardCharsets;

/**
 * Where and how the embedded runtime creates its run files, as the instrument command chose at
 * build time (docs/RUNTIME.md): a directory, which is the default place for run files and the only
 * place a setuid, setgid or capability-raising process writes them (it ignores every YKRW_*
 * variable), and the permission bits they are created with.
 *
 * @param directory absolute directory, or null for none (the current directory, and no run files in
 *     a secure process)
 * @param mode permission bits (0 to 0777), or 0 for the runtime's default 0600; the umask applies
 */
public record RunFiles(String directory, int mode) {
    /** Longest directory, in bytes of UTF-8, the runtime's config field holds (its NUL aside). */
    public static final int MAX_DIRECTORY_BYTES = 511;

    /** No directory, mode 0600. */
    public static final RunFiles DEFAULT = new RunFiles(null, 0);

    /** @throws IllegalArgumentException for a relative or over-long directory, or a mode beyond 0777 */
    public RunFiles {
        if (directory != null) {
            // Relative would mean relative to a directory the program's caller chooses: in a setuid
            // program, exactly what --run-dir exists to take out of the caller's hands.
            if (!directory.startsWith("/")) {
                throw new IllegalArgumentException("the run-file directory must be an absolute path: " + directory);
            }
            if (directory.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("the run-file directory contains a NUL byte");
            }
            int bytes = directory.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_DIRECTORY_BYTES) {
                throw new IllegalArgumentException("the run-file directory is " + bytes + " bytes long; the runtime takes at most "
                        + MAX_DIRECTORY_BYTES);
            }
        }
        if (mode < 0 || mode > 0777) {
            throw new IllegalArgumentException("the run-file mode must be between 0 and 0777 (octal)");
        }
    }

    /** @return the directory as the runtime's config field holds it (NUL-padded to 512 bytes) */
    byte[] directoryField() {
        byte[] field = new byte[MAX_DIRECTORY_BYTES + 1];
        if (directory != null) {
            byte[] d = directory.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(d, 0, field, 0, d.length);
        }
        return field;
    }
}
