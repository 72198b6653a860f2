package org.ykrw.testsuite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ykrw.core.coverage.BlockMap;
import org.ykrw.core.coverage.BlockMap.MappedBlock;
import org.ykrw.core.testutil.RunFiles;
import org.ykrw.core.testutil.Tools;

/**
 * Stands in for the embedded coverage runtime until {@code instrument --coverage} exists: runs a
 * non-PIE binary under gdb with a temporary breakpoint at every probed block of its map, and writes
 * the blocks it stopped at as a run/not-run {@code .ykcov} file (docs/FORMATS.md section 2). The
 * result is what the runtime would record for the same input, measured independently of ykrw.
 */
final class GdbCoverage {
    private GdbCoverage() {
    }

    /**
     * @param binary a non-PIE executable (breakpoints are set at link-time addresses)
     * @param map its block map
     * @param args the program's arguments
     * @param run where to write the .ykcov file
     */
    static void record(Path binary, BlockMap map, List<String> args, Path run) {
        try {
            StringBuilder py = new StringBuilder("import gdb\ngdb.execute('set pagination off')\n"
                    + "gdb.execute('set confirm off')\n");
            for (MappedBlock b : map.blocks()) {
                if (b.hasProbe()) {
                    py.append(String.format("gdb.Breakpoint('*0x%x', temporary=True, internal=True)%n", b.address()));
                }
            }
            // Each stop is one block reached for the first time; the loop ends when the process exits.
            py.append("gdb.execute('run', to_string=True)\n"
                    + "while True:\n"
                    + "    try:\n"
                    + "        pc = gdb.selected_frame().pc()\n"
                    + "    except gdb.error:\n"
                    + "        break\n"
                    + "    print('HIT 0x%x' % pc)\n"
                    + "    try:\n"
                    + "        gdb.execute('continue', to_string=True)\n"
                    + "    except gdb.error:\n"
                    + "        break\n");
            Path script = Files.createTempFile(run.getParent(), "gdb", ".py");
            Files.writeString(script, py);
            List<String> cmd = new ArrayList<>(List.of("gdb", "-nx", "-batch", "-x", script.toString(), "--args",
                    binary.toString()));
            cmd.addAll(args);
            Tools.Result r = Tools.run(cmd, 120);
            Set<Long> hit = new HashSet<>();
            for (String line : r.stdout().split("\n")) {
                if (line.startsWith("HIT 0x")) {
                    hit.add(Long.parseUnsignedLong(line.substring(6).trim(), 16));
                }
            }
            if (hit.isEmpty()) {
                throw new AssertionError("gdb reached no block: " + r.stdout() + r.stderr());
            }
            long[] counters = new long[map.probeSlots()];
            for (MappedBlock b : map.blocks()) {
                if (b.hasProbe() && hit.contains(b.address())) {
                    counters[b.probe()] = 1;
                }
            }
            Files.write(run, RunFiles.coverage(1, counters, 0, map.mapId(), 1000 + hit.size(),
                    binary.toAbsolutePath().toString(), new long[0][]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
