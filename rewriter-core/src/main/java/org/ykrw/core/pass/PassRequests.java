package org.ykrw.core.pass;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.ykrw.core.diag.UnsupportedInputException;

/**
 * What passes ask of the output, collected for the rewriter: libraries to load, functions to import
 * and export, the embedded runtime, sections that are not loaded, artifacts for the caller and report
 * lines. Passes only add; the rewriter reads what they added once they have all run.
 */
public final class PassRequests {
    /**
     * A symbol ld.so resolves into the runtime's data: an 8-byte slot at {@code runtimeSymbol + offset}.
     *
     * @param symbol the imported function
     * @param runtimeSymbol a data symbol of the runtime
     * @param offset bytes from it to the slot
     * @param weak a symbol no loaded object defines leaves the slot 0 instead of failing the load
     * @param threadLocal the symbol is an initial-exec thread-local variable: ld.so writes its offset from
     *     the thread pointer (R_X86_64_TPOFF64) instead of an address
     */
    public record Import(String symbol, String runtimeSymbol, int offset, boolean weak, boolean threadLocal) {
        /** A strong import: the program does not load without the symbol. */
        public Import(String symbol, String runtimeSymbol, int offset) {
            this(symbol, runtimeSymbol, offset, false);
        }

        /** A function's import. */
        public Import(String symbol, String runtimeSymbol, int offset, boolean weak) {
            this(symbol, runtimeSymbol, offset, weak, false);
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

    private final PassInput.Linking linking;
    private final String inputName;
    private final List<InPlacePatch> inPlacePatches = new ArrayList<>();
    private List<KeptOriginal> keptOriginals;
    private final List<String> needed = new ArrayList<>();
    private final List<Import> imports = new ArrayList<>();
    private final Map<String, String> exports = new LinkedHashMap<>();
    private final Map<String, CompletableFuture<byte[]>> unloadedSections = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, byte[]> artifacts = new LinkedHashMap<>();
    private RuntimeRequest runtime;
    private org.ykrw.core.layout.CodeOrder codeOrder;
    private final Supplier<ThreadLocalArea> threadLocalLayout;
    private ThreadLocalArea threadLocals;

    /**
     * @param linking how the input is linked (dynamic-linking requests need ld.so, a runtime a start)
     * @param inputName the input's file name, for error messages
     * @param threadLocalLayout reads the input's thread-local layout, which {@link #reserveThreadLocal}
     *     extends (asked at most once, when a pass first wants it: it reads every symbol and relocation)
     */
    public PassRequests(PassInput.Linking linking, String inputName, Supplier<ThreadLocalArea> threadLocalLayout) {
        this.linking = linking;
        this.inputName = inputName;
        this.threadLocalLayout = java.util.Objects.requireNonNull(threadLocalLayout);
    }

    /** Requests for an output that cannot have thread-local bytes of the runtime's (hand-built IR, tests). */
    public PassRequests(PassInput.Linking linking, String inputName) {
        this(linking, inputName, () -> new ThreadLocalArea(0, 1, "no thread-local layout was given for this output"));
    }

    /** @return requests for {@code input}'s output, without thread-local bytes */
    public static PassRequests forInput(PassInput input) {
        return new PassRequests(input.linking(), input.inputName());
    }

    /** @return requests for {@code input}'s output, whose thread-local layout {@code layout} reads */
    public static PassRequests forInput(PassInput input, Supplier<ThreadLocalArea> layout) {
        return new PassRequests(input.linking(), input.inputName(), layout);
    }

    /**
     * Reserves thread-local bytes for the runtime and the probes (docs/RUNTIME.md, "Thread-local
     * storage"): every thread has its own copy, zero when it starts.
     *
     * @param bytes how many
     * @param alignment their alignment (a power of two, at most {@link ThreadLocalArea#MAX_ALIGN})
     * @return their offset from the thread pointer: code addresses them as {@code %fs:offset}
     * @throws UnsupportedInputException when the output cannot have them (a shared library, TLS the
     *     input's dynamic relocations address by module offset)
     */
    public long reserveThreadLocal(int bytes, int alignment) {
        return threadLocals().reserve(bytes, alignment);
    }

    /** @return the thread-local layout with what the passes reserved */
    public ThreadLocalArea threadLocals() {
        if (threadLocals == null) {
            threadLocals = threadLocalLayout.get();
        }
        return threadLocals;
    }

    /** @return true when a pass reserved thread-local bytes (without reading the input's layout otherwise) */
    public boolean hasThreadLocals() {
        return threadLocals != null && threadLocals.isUsed();
    }

    /**
     * Asks the layout for an order of functions and blocks (profile-guided layout); one per output.
     *
     * @param order the order, of functions the input says move
     */
    public void orderCode(org.ykrw.core.layout.CodeOrder order) {
        if (codeOrder != null && codeOrder != order) {
            throw new IllegalStateException("two passes want to order the code");
        }
        codeOrder = java.util.Objects.requireNonNull(order);
    }

    /** @return the code order a pass asked for, or null (address order) */
    public org.ykrw.core.layout.CodeOrder codeOrder() {
        return codeOrder;
    }

    /**
     * The output's embedded runtime, one for all passes: the first call creates it, later calls (from
     * the same or other passes) return the same object, to which each adds its parts.
     *
     * @param type the runtime's class; every pass must ask for the same one
     * @param create makes the runtime when no pass asked for one yet
     * @return the runtime request shared by the passes
     * @throws UnsupportedInputException when the input has nothing to start a runtime from
     * @throws IllegalStateException when another pass asked for a runtime of another class
     */
    public <R extends RuntimeRequest> R runtime(Class<R> type, Supplier<R> create) {
        if (linking == PassInput.Linking.OTHER) {
            throw new UnsupportedInputException(inputName
                    + ": the embedded runtime needs an executable or a shared library with a dynamic section");
        }
        if (runtime == null) {
            runtime = create.get();
        }
        if (!type.isInstance(runtime)) {
            throw new IllegalStateException("two passes want different embedded runtimes: "
                    + runtime.getClass().getName() + " and " + type.getName());
        }
        return type.cast(runtime);
    }

    /**
     * Asks for a DT_NEEDED entry (once, however often asked).
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
     * Asks ld.so to resolve a function into a slot of the runtime's data at load time (once, however
     * often asked).
     *
     * @param i what to import and where it goes
     * @throws UnsupportedInputException when the input is statically linked
     */
    public void importFunction(Import i) {
        requireDynamic("import " + i.symbol());
        if (!imports.contains(i)) {
            imports.add(i);
        }
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

    private void requireDynamic(String what) {
        if (!linking.isDynamic()) {
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
    public void addUnloadedSection(String name, Supplier<byte[]> contents) {
        unloadedSections.put(name, CompletableFuture.supplyAsync(contents, task -> {
            Thread t = new Thread(task, "ykrw-" + name);
            t.setDaemon(true);
            t.start();
        }));
    }

    /** @return true when a pass added an unloaded section of that name already */
    public boolean hasUnloadedSection(String name) {
        return unloadedSections.containsKey(name);
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

    /** Adds a line to the rewrite's report (what a pass did, counts). */
    public void note(String line) {
        notes.add(line);
    }

    /** @return the runtime the passes built, or null when none asked for one (the rewriter calls it once) */
    public EmbeddedRuntime embeddedRuntime() {
        return runtime == null ? null : runtime.embed();
    }

    /** @return DT_NEEDED entries to add */
    public List<String> needed() {
        return java.util.Collections.unmodifiableList(needed);
    }

    /** @return functions to import */
    public List<Import> imports() {
        return java.util.Collections.unmodifiableList(imports);
    }

    /** @return exported name -> runtime symbol */
    public Map<String, String> exports() {
        return java.util.Collections.unmodifiableMap(exports);
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

    /** @return what passes handed to the caller, by name */
    public Map<String, byte[]> artifacts() {
        return artifacts;
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

    /**
     * Asks for an output that can be undone: the input as it was before any earlier run kept its
     * originals (the record {@link PassInput#keptOriginals} came from is dropped and the file's first
     * shape restored), with the in-place patches written, and {@code originals} kept in a record of the
     * output when there are any (none: the output is that first file, patches included). Only for an
     * in-place rewrite ({@link org.ykrw.core.Rewriter#rewriteInPlace}); the last call wins.
     *
     * @param originals what the output keeps, in order
     */
    public void keepOriginals(List<KeptOriginal> originals) {
        keptOriginals = List.copyOf(originals);
    }

    /** @return what the output keeps ({@link #keepOriginals}), or null when no pass asked */
    public List<KeptOriginal> keptOriginals() {
        return keptOriginals;
    }
}
