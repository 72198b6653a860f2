package org.ykrw.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.coverage.BlockMapReader;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;

/**
 * Finds the block map and the binary that go with a run file. In order: {@code --map} (a JSON map,
 * or an instrumented ELF), then {@code --binary} (its {@code .ykrw.map}), then the executable path
 * the runtime recorded in the run's header, used only when its map id matches the run's (the file
 * may have been rebuilt or moved since). The binary, for code, lines and load addresses, is
 * {@code --binary}, else that recorded executable when it matches.
 *
 * @param map the block map
 * @param mapName where the map came from, for messages
 * @param binary the ELF the report may read code and debug lines from, or null
 */
record RunInputs(BlockMap map, String mapName, ElfFile binary) {

    /**
     * @param mapFile {@code --map}, or null
     * @param binaryFile {@code --binary}, or null
     * @param recordedExecutable path from the run header ("" when none; null for trace runs)
     * @param runMapId the run's map id
     * @param runName the run file, for messages
     * @return what was found
     */
    static RunInputs locate(Path mapFile, Path binaryFile, String recordedExecutable, long runMapId, String runName) {
        ElfFile binary = binaryFile != null ? ElfFile.read(binaryFile) : null;
        if (mapFile != null) {
            return new RunInputs(BlockMapReader.read(mapFile), mapFile.toString(), binary != null ? binary
                    : recorded(recordedExecutable, runMapId));
        }
        if (binary != null) {
            return new RunInputs(BlockMapReader.fromElf(binary), binary.name(), binary);
        }
        String why;
        if (recordedExecutable == null) {
            why = "";
        } else if (recordedExecutable.isEmpty()) {
            why = " (the run does not record its executable)";
        } else if (!Files.isRegularFile(Path.of(recordedExecutable))) {
            why = " (its executable " + recordedExecutable + " is gone)";
        } else {
            ElfFile exe = ElfFile.read(Path.of(recordedExecutable));
            if (BlockMapReader.hasMap(exe)) {
                BlockMap map = BlockMapReader.fromElf(exe);
                if (map.mapId() == runMapId) {
                    return new RunInputs(map, exe.name(), exe);
                }
                why = " (its executable " + recordedExecutable + " was instrumented from another input since)";
            } else {
                why = " (its executable " + recordedExecutable + " has no " + BlockMap.SECTION_NAME + " section)";
            }
        }
        throw new YkrwException("no block map for " + runName + why + ": give --map FILE.json or --binary BIN");
    }

    /** @return the recorded executable when it is the instrumented output or the original of this run */
    private static ElfFile recorded(String path, long runMapId) {
        if (path == null || path.isEmpty() || !Files.isRegularFile(Path.of(path))) {
            return null;
        }
        try {
            byte[] bytes = Files.readAllBytes(Path.of(path));
            ElfFile exe = ElfFile.parse(bytes, path);
            if (BlockMap.mapIdOf(bytes) == runMapId
                    || (BlockMapReader.hasMap(exe) && BlockMapReader.fromElf(exe).mapId() == runMapId)) {
                return exe;
            }
            return null;
        } catch (IOException | YkrwException e) {
            return null;  // only a convenience: without the binary the report just has no code or lines
        }
    }
}
