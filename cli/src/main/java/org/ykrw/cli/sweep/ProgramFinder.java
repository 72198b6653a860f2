package org.ykrw.cli.sweep;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;

/**
 * Finds the programs a sweep should try in the given directories (not recursive, as PATH works):
 * executable x86-64 ELF files that are not shared libraries. Everything else is counted by the reason
 * it was skipped. Symbolic links are followed and each file is taken once, under the first name met
 * (the names sort, so the choice is stable).
 */
public final class ProgramFinder {
    private ProgramFinder() {
    }

    /** Programs to sweep, and how many files were skipped for which reason. */
    public record Found(List<Path> programs, Map<String, Integer> skipped) {
    }

    /**
     * @param dirs directories to list
     * @return the programs in name order
     * @throws YkrwException when a directory cannot be listed
     */
    public static Found find(List<Path> dirs) {
        List<Path> programs = new ArrayList<>();
        Map<String, Integer> skipped = new TreeMap<>();
        Set<Path> seen = new HashSet<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                throw new YkrwException(dir + ": not a directory");
            }
            List<Path> entries = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                ds.forEach(entries::add);
            } catch (IOException e) {
                throw new YkrwException(dir + ": cannot list: " + e.getMessage(), e);
            }
            entries.sort(null);
            for (Path p : entries) {
                String why = skipReason(p, seen);
                if (why == null) {
                    programs.add(p);
                } else {
                    skipped.merge(why, 1, Integer::sum);
                }
            }
        }
        return new Found(List.copyOf(programs), skipped);
    }

    /** @return why {@code p} is not swept, or null when it is a program to sweep */
    private static String skipReason(Path p, Set<Path> seen) {
        if (!Files.isRegularFile(p)) {
            return "not a regular file";
        }
        if (!Files.isExecutable(p)) {
            return "not executable";
        }
        try {
            if (!seen.add(p.toRealPath())) {
                return "same file as another name";
            }
        } catch (IOException e) {
            return "unreadable";
        }
        byte[] head = new byte[20];
        int n;
        try (InputStream in = Files.newInputStream(p)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            return "unreadable";
        }
        if (n >= 2 && head[0] == '#' && head[1] == '!') {
            return "script";
        }
        if (n < 20 || head[0] != 0x7F || head[1] != 'E' || head[2] != 'L' || head[3] != 'F') {
            return "not ELF";
        }
        // Class 64-bit, little-endian, machine 62 (x86-64): anything else is another architecture.
        if (head[4] != 2 || head[5] != 1 || (head[18] & 0xFF | (head[19] & 0xFF) << 8) != 62) {
            return "not x86-64";
        }
        try {
            if (ElfFile.read(p).isSharedLibrary()) {
                return "shared library";
            }
        } catch (YkrwException e) {
            // A damaged program is still a program: the pass will refuse it and say why.
            return null;
        }
        return null;
    }
}
