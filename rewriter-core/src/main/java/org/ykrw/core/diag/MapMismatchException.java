package org.ykrw.core.diag;

/**
 * A run file and a block map do not belong together: the run was written by a binary instrumented
 * from another input (different map ids), or its counter table is smaller than the map's probes.
 * Reporting anyway would attribute counts to the wrong blocks, so this is an error, not a warning.
 */
public class MapMismatchException extends YkrwException {
    private static final long serialVersionUID = 1L;

    private final String runFile;
    private final String mapName;

    /**
     * @param runFile the run file
     * @param mapName where the map came from (a JSON file or an ELF's .ykrw.map)
     * @param problem one line saying what differs, with both values
     */
    public MapMismatchException(String runFile, String mapName, String problem) {
        super(runFile + " does not match the map of " + mapName + ": " + problem);
        this.runFile = runFile;
        this.mapName = mapName;
    }

    /** @return the run file */
    public String runFile() {
        return runFile;
    }

    /** @return where the map came from */
    public String mapName() {
        return mapName;
    }
}
