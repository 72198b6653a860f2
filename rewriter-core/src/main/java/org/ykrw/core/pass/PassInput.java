package org.ykrw.core.pass;

import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;

/**
 * What a pass reads: the program, which of its functions move (only their blocks can take probes),
 * how the input is linked, its name and map id, and ELF-free views of its symbols, PLT, dynamic
 * relocations, executable bytes and the original bytes an earlier in-place patch kept. It asks for
 * nothing: requests go to {@link PassRequests}. Values that cost time to compute (the input's hash,
 * the views, whether the dynamic tables can be edited) are computed when a pass first asks for them,
 * at most once.
 */
public final class PassInput {
    /** How the input is linked: decides where a runtime starts and whether dynamic tables exist. */
    public enum Linking {
        /** No dynamic linker (static, static-pie): the runtime starts at the entry point. */
        STATIC,
        /** A dynamically linked executable: the runtime starts at the entry point. */
        DYNAMIC_EXECUTABLE,
        /** A shared library: the runtime starts from DT_INIT, before the library's constructors. */
        SHARED_LIBRARY,
        /** Neither an executable nor a library ld.so can initialise: no runtime. */
        OTHER;

        /** @return true when ld.so loads the input, so it can have dynamic-linking requests */
        public boolean isDynamic() {
            return this == DYNAMIC_EXECUTABLE || this == SHARED_LIBRARY;
        }
    }

    /**
     * Facts about the input file that passes may ask for; each is computed at most once, when first
     * asked.
     *
     * @param digest the input file's SHA-256
     * @param dynamicTablesEditable whether the input's dynamic tables can be copied and extended safely
     * @param symbols its defined functions
     * @param plt its PLT stubs
     * @param relocations its dynamic relocations that name a symbol
     * @param code its executable bytes by address
     * @param keptOriginals the bytes earlier in-place patches overwrote, as the input keeps them
     *     ({@link PassRequests#keepOriginals}), in the order kept
     */
    public record InputFacts(Supplier<byte[]> digest, BooleanSupplier dynamicTablesEditable,
            Supplier<ProgramSymbols> symbols, Supplier<PltView> plt, Supplier<RelocationView> relocations,
            Supplier<CodeView> code, Supplier<List<KeptOriginal>> keptOriginals) {
        /** Facts of a program with no file behind it: a zero hash, no symbols or code, tables not editable. */
        public static final InputFacts NONE = new InputFacts(() -> new byte[32], () -> false,
                () -> ProgramSymbols.NONE, () -> PltView.NONE, () -> RelocationView.NONE, () -> CodeView.NONE, List::of);
    }

    private final Program program;
    private final Set<Function> relocated;
    private final Linking linking;
    private final String inputName;
    private final Lazy<byte[]> digest;
    private final Lazy<Boolean> editable;
    private final Lazy<ProgramSymbols> symbols;
    private final Lazy<PltView> plt;
    private final Lazy<RelocationView> relocations;
    private final Lazy<CodeView> code;
    private final Lazy<List<KeptOriginal>> keptOriginals;

    /**
     * @param program the lifted program
     * @param relocated the functions that move to the new code (only their blocks run probes)
     * @param linking how the input is linked
     * @param inputName the input's file name
     * @param facts the input's hash, symbols and the rest, computed when first asked
     */
    public PassInput(Program program, Set<Function> relocated, Linking linking, String inputName, InputFacts facts) {
        this.program = program;
        this.relocated = Set.copyOf(relocated);
        this.linking = linking;
        this.inputName = inputName;
        this.digest = new Lazy<>(facts.digest());
        this.editable = new Lazy<>(facts.dynamicTablesEditable()::getAsBoolean);
        this.symbols = new Lazy<>(facts.symbols());
        this.plt = new Lazy<>(facts.plt());
        this.relocations = new Lazy<>(facts.relocations());
        this.code = new Lazy<>(facts.code());
        this.keptOriginals = new Lazy<>(() -> List.copyOf(facts.keptOriginals().get()));
    }

    /** @return the program */
    public Program program() {
        return program;
    }

    /** @return true when f moves to the new code, where probes can be inserted */
    public boolean isRelocated(Function f) {
        return relocated.contains(f);
    }

    /** @return how the input is linked */
    public Linking linking() {
        return linking;
    }

    /** @return the input's file name */
    public String inputName() {
        return inputName;
    }

    /** @return the first 8 bytes of the input's SHA-256 read as a little-endian number (docs/FORMATS.md) */
    public long mapId() {
        byte[] d = digest.get();
        long id = 0;
        for (int i = 7; i >= 0; i--) {
            id = id << 8 | (d[i] & 0xFF);
        }
        return id;
    }

    /** @return true when optional dynamic-linking requests (a weak import) can be made safely */
    public boolean canEditDynamicTables() {
        return editable.get();
    }

    /** @return the functions the input's symbol tables define */
    public ProgramSymbols symbols() {
        return symbols.get();
    }

    /** @return the input's PLT stubs */
    public PltView plt() {
        return plt.get();
    }

    /** @return the input's dynamic relocations that name a symbol */
    public RelocationView relocations() {
        return relocations.get();
    }

    /** @return the input's executable bytes by address */
    public CodeView code() {
        return code.get();
    }

    /** @return the bytes earlier in-place patches overwrote, as the input keeps them (none for most inputs) */
    public List<KeptOriginal> keptOriginals() {
        return keptOriginals.get();
    }

    /** A value computed once, when first asked (passes run on one thread). */
    private static final class Lazy<T> {
        private Supplier<T> compute;
        private T value;

        Lazy(Supplier<T> compute) {
            this.compute = compute;
        }

        T get() {
            if (compute != null) {
                value = compute.get();
                compute = null;
            }
            return value;
        }
    }
}
