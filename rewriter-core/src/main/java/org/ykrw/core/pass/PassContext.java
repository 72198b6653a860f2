package org.ykrw.core.pass;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;

/** What passes see: the program, which functions move, and requests for the output. */
public final class PassContext {
    /** How the input is linked: decides where a runtime starts and whether dynamic tables exist. */
    public enum Linking {
        /** No dynamic linker (static, static-pie): the runtime starts at the entry point. */
        STATIC,
        /** A dynamically linked executable: the runtime starts at the entry point. */
        DYNAMIC_EXECUTABLE,
        /** A shared library: the runtime starts from DT_INIT, before the library's constructors. */
        SHARED_LIBRARY,
        /** Neither an executable nor a library ld.so can initialise: no runtime. */
        OTHER
    }

    /**
     * A symbol ld.so resolves into the runtime's data: an 8-byte slot at {@code runtimeSymbol + offset}.
     *
     * @param symbol the imported function
     * @param runtimeSymbol a data symbol of the runtime
     * @param offset bytes from it to the slot
     * @param weak a symbol no loaded object defines leaves the slot 0 instead of failing the load
     */
    public record Import(String symbol, String runtimeSymbol, int offset, boolean weak) {
        /** A strong import: the program does not load without the symbol. */
        public Import(String symbol, String runtimeSymbol, int offset) {
            this(symbol, runtimeSymbol, offset, false);
        }
    }

    /**
     * Bytes of the input to overwrite where they are: code that does not move (a NOP over a call,
     * a {@code ret} over a function's first instruction). The length never changes, so nothing else
     * needs fixing; the rewriter checks that the range lies in the input's code.
     *
     * @param address link-time address of the first byte
     * @param bytes what goes there
     */
    public record InPlacePatch(long address, byte[] bytes) {
        /** Keeps a copy: the bytes are written after the pass has returned. */
        public InPlacePatch {
            bytes = bytes.clone();
        }
    }

    private final Program program;
    private java.util.function.BooleanSupplier editCheck;
    private Boolean editable;
    private final Set<Function> relocated;
    private final Linking linking;
    private final List<String> needed = new ArrayList<>();
    private final List<Import> imports = new ArrayList<>();
    private final Map<String, String> exports = new LinkedHashMap<>();
    private final String inputName;
    private final java.util.function.Supplier<byte[]> inputDigest;
    private byte[] digest;
    private final Map<String, CompletableFuture<byte[]>> unloadedSections = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, byte[]> artifacts = new LinkedHashMap<>();
    private EmbeddedRuntime runtime;
    private final List<InPlacePatch> inPlacePatches = new ArrayList<>();

    /**
     * @param program the lifted program
     * @param relocated the functions that move to the new code (only their blocks run probes)
     * @param linking how the input is linked
     * @param inputName the input's file name
     * @param inputDigest gives the SHA-256 of the input file (asked only when a pass wants {@link #mapId()}:
     *     hashing a large input costs tens of milliseconds)
     */
    public PassContext(Program program, Set<Function> relocated, Linking linking, String inputName,
            java.util.function.Supplier<byte[]> inputDigest) {
        this.program = program;
        this.relocated = Set.copyOf(relocated);
        this.linking = linking;
        this.inputName = inputName;
        this.inputDigest = inputDigest;
    }

    /**
     * @param check says whether the input's dynamic tables can be edited safely (run at most once,
     *     when a pass first asks {@link #canEditDynamicTables()})
     */
    public void setDynamicEditCheck(java.util.function.BooleanSupplier check) {
        this.editCheck = check;
    }

    /** @return true when optional dynamic-linking requests (a weak import) can be made safely */
    public boolean canEditDynamicTables() {
        if (editable == null) {
            editable = editCheck != null && editCheck.getAsBoolean();
        }
        return editable;
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
        if (digest == null) {
            digest = inputDigest.get();
        }
        long id = 0;
        for (int i = 7; i >= 0; i--) {
            id = id << 8 | (digest[i] & 0xFF);
        }
        return id;
    }

    /**
     * Asks for the embedded runtime; one per output.
     *
     * @param r the runtime, configured by the pass
     * @throws UnsupportedInputException when the input has nothing to start it from
     */
    public void useRuntime(EmbeddedRuntime r) {
        if (linking == Linking.OTHER) {
            throw new UnsupportedInputException(inputName
                    + ": the embedded runtime needs an executable or a shared library with a dynamic section");
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

    /** @return how the input is linked */
    public Linking linking() {
        return linking;
    }

    /**
     * Asks for a DT_NEEDED entry.
     *
     * @param library file name or path, as ld.so should look it up
     * @throws UnsupportedInputException when the input is statically linked
     */
    public void addNeeded(String library) {
        requireDynamic("load " + library);
        if (!needed.contains(library)) {
            needed.add(library);
        }
    }

    /**
     * Asks ld.so to resolve a function into a slot of the runtime's data at load time.
     *
     * @param i what to import and where it goes
     * @throws UnsupportedInputException when the input is statically linked
     */
    public void importFunction(Import i) {
        requireDynamic("import " + i.symbol());
        imports.add(i);
    }

    /**
     * Exports a runtime function in the output's .dynsym (dlsym, debuggers).
     *
     * @param symbol the exported name
     * @param runtimeSymbol the runtime function it names
     * @throws UnsupportedInputException when the input is statically linked
     */
    public void exportFunction(String symbol, String runtimeSymbol) {
        requireDynamic("export " + symbol);
        exports.put(symbol, runtimeSymbol);
    }

    /** @return DT_NEEDED entries to add */
    public List<String> needed() {
        return needed;
    }

    /** @return functions to import */
    public List<Import> imports() {
        return imports;
    }

    /** @return exported name -> runtime symbol */
    public Map<String, String> exports() {
        return exports;
    }

    private void requireDynamic(String what) {
        if (linking != Linking.DYNAMIC_EXECUTABLE && linking != Linking.SHARED_LIBRARY) {
            throw new UnsupportedInputException(inputName + ": statically linked: cannot " + what
                    + " (no dynamic linker)");
        }
    }

    /** Adds a section that is not loaded (a map for tools that read the output later). */
    public void addUnloadedSection(String name, byte[] contents) {
        unloadedSections.put(name, CompletableFuture.completedFuture(contents.clone()));
    }

    /**
     * Adds a section that is not loaded, made on a thread of its own while the rewrite goes on (for
     * contents that take long to make, such as a compressed map).
     *
     * @param contents makes the section's bytes; it must not touch the program, which the rewrite
     *     goes on using
     */
    public void addUnloadedSection(String name, java.util.function.Supplier<byte[]> contents) {
        unloadedSections.put(name, CompletableFuture.supplyAsync(contents, task -> {
            Thread t = new Thread(task, "ykrw-" + name);
            t.setDaemon(true);
            t.start();
        }));
    }

    /** @return sections to add, by name (waits for those still being made; what that threw is thrown here) */
    public Map<String, byte[]> unloadedSections() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        unloadedSections.forEach((name, contents) -> {
            try {
                out.put(name, contents.join());
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw e;
            }
        });
        return out;
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

    /**
     * Asks for bytes of the input to be overwritten in place, in the order asked (a later patch of the
     * same bytes wins). For code that stays where it is; code that moves is changed through its blocks.
     *
     * @param patch where and what
     */
    public void patchInPlace(InPlacePatch patch) {
        inPlacePatches.add(patch);
    }

    /** @return the in-place patches asked for, in order */
    public List<InPlacePatch> inPlacePatches() {
        return inPlacePatches;
    }
}
