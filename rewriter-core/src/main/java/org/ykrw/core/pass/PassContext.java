package org.ykrw.core.pass;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;

/** What passes see: the program, which functions move, and requests for the output. */
public final class PassContext {
    private final Program program;
    private final Set<Function> relocated;
    private final boolean hasEntryPoint;
    private final String inputName;
    private final byte[] inputDigest;
    private final Map<String, byte[]> unloadedSections = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, byte[]> artifacts = new LinkedHashMap<>();
    private EmbeddedRuntime runtime;

    /**
     * @param program the lifted program
     * @param relocated the functions that move to the new code (only their blocks run probes)
     * @param hasEntryPoint true for executables (a runtime can start before the program's entry)
     * @param inputName the input's file name
     * @param inputDigest SHA-256 of the input file
     */
    public PassContext(Program program, Set<Function> relocated, boolean hasEntryPoint, String inputName,
            byte[] inputDigest) {
        this.program = program;
        this.relocated = Set.copyOf(relocated);
        this.hasEntryPoint = hasEntryPoint;
        this.inputName = inputName;
        this.inputDigest = inputDigest.clone();
    }

    /** @return the program */
    public Program program() {
        return program;
    }

    /** @return true when f moves to the new code, where probes can be inserted */
    public boolean isRelocated(Function f) {
        return relocated.contains(f);
    }

    /** @return the input's file name */
    public String inputName() {
        return inputName;
    }

    /** @return the first 8 bytes of the input's SHA-256 read as a little-endian number (docs/FORMATS.md) */
    public long mapId() {
        long id = 0;
        for (int i = 7; i >= 0; i--) {
            id = id << 8 | (inputDigest[i] & 0xFF);
        }
        return id;
    }

    /**
     * Asks for the embedded runtime; one per output.
     *
     * @param r the runtime, configured by the pass
     * @throws UnsupportedInputException when the input has no entry point to start it from
     */
    public void useRuntime(EmbeddedRuntime r) {
        if (!hasEntryPoint) {
            throw new UnsupportedInputException(inputName
                    + ": the embedded runtime needs an executable (shared libraries have no entry point to start it from)");
        }
        if (runtime != null && runtime != r) {
            throw new IllegalStateException("two passes want an embedded runtime");
        }
        runtime = r;
    }

    /** @return the runtime a pass asked for, or null */
    public EmbeddedRuntime runtime() {
        return runtime;
    }

    /** Adds a section that is not loaded (a map for tools that read the output later). */
    public void addUnloadedSection(String name, byte[] contents) {
        unloadedSections.put(name, contents.clone());
    }

    /** @return sections to add, by name */
    public Map<String, byte[]> unloadedSections() {
        return unloadedSections;
    }

    /**
     * Hands something a pass made to the caller, beside the output (e.g. the block map as JSON).
     *
     * @param name what it is, e.g. {@code block-map.json}
     * @param contents its bytes
     */
    public void addArtifact(String name, byte[] contents) {
        artifacts.put(name, contents.clone());
    }

    /** @return what passes handed to the caller, by name */
    public Map<String, byte[]> artifacts() {
        return artifacts;
    }

    /** Adds a line to the rewrite's report (what a pass did, counts). */
    public void note(String line) {
        notes.add(line);
    }

    /** @return the report lines of the passes */
    public List<String> notes() {
        return notes;
    }
}
