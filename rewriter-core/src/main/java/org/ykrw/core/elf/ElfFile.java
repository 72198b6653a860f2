package org.ykrw.core.elf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ykrw.core.diag.InputFile;
import org.ykrw.core.diag.MalformedElfException;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.diag.YkrwException;

/**
 * Read-only model of an x86-64 ELF64 executable or shared object. Everything is validated while
 * parsing: a malformed file fails here with a one-line {@link MalformedElfException}, so the rest of
 * ykrw can trust offsets and sizes it gets from this class.
 */
public final class ElfFile {
    /** Refuse inputs beyond this size: they would not fit a Java array anyway. */
    private static final long MAX_FILE_SIZE = Integer.MAX_VALUE - 64;

    private final String name;
    private final byte[] data;
    private final ByteReader in;
    private final ElfHeader header;
    private final List<Segment> segments;
    private final List<Section> sections;
    private final List<ElfSymbol> symbols;
    private final List<ElfSymbol> dynamicSymbols;
    private final List<Relocation> relocations;
    private final List<DynamicEntry> dynamic;
    private List<PltEntry> pltEntries;

    private ElfFile(byte[] data, String name) {
        this.name = name;
        this.data = data;
        this.in = new ByteReader(data);
        this.header = HeaderReader.readHeader(in);
        this.segments = HeaderReader.readSegments(in, header);
        this.sections = HeaderReader.readSections(in, header);
        SymbolReader symbolReader = new SymbolReader(in, sections);
        this.symbols = symbolReader.read(Section.SHT_SYMTAB);
        this.dynamicSymbols = symbolReader.read(Section.SHT_DYNSYM);
        this.dynamic = readDynamic();
        List<Relocation> all = new ArrayList<>(symbolReader.readRelocations());
        all.addAll(readRelr());
        this.relocations = List.copyOf(all);
    }

    /**
     * @param path file to read
     * @return the parsed model
     * @throws YkrwException one-line reason when the file cannot be read or is not a supported ELF
     */
    public static ElfFile read(Path path) {
        try {
            InputFile.requireRegular(path);
            long size = Files.size(path);
            if (size > MAX_FILE_SIZE) {
                throw new UnsupportedInputException(path + ": file of " + size + " bytes is too large");
            }
            return parse(Files.readAllBytes(path), path.toString());
        } catch (NoSuchFileException e) {
            throw new YkrwException(path + ": no such file");
        } catch (IOException e) {
            throw new YkrwException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * @param data the whole file
     * @param displayName name used in messages
     * @return the parsed model
     */
    public static ElfFile parse(byte[] data, String displayName) {
        try {
            return new ElfFile(data, displayName);
        } catch (MalformedElfException e) {
            throw new MalformedElfException(displayName + ": " + e.getMessage());
        } catch (UnsupportedInputException e) {
            throw new UnsupportedInputException(displayName + ": " + e.getMessage());
        }
    }

    /** @return the name given when reading */
    public String name() {
        return name;
    }

    /** @return the file header */
    public ElfHeader header() {
        return header;
    }

    /** @return the whole file image; shared, callers must not modify it */
    public byte[] data() {
        return data;
    }

    /** @return true for ET_EXEC (position-dependent executables) */
    public boolean isExecutable() {
        return header.type() == ElfHeader.ET_EXEC;
    }

    /** @return true for position-independent executables (ET_DYN with an interpreter or DF_1_PIE) */
    public boolean isPie() {
        if (header.type() != ElfHeader.ET_DYN) {
            return false;
        }
        if (segmentOfType(Segment.PT_INTERP) != null) {
            return true;
        }
        for (DynamicEntry e : dynamic) {
            if (e.tag() == DynamicEntry.DT_FLAGS_1 && (e.value() & DynamicEntry.DF_1_PIE) != 0) {
                return true;
            }
        }
        return false;
    }

    /** @return true for shared libraries (ET_DYN that is not a PIE) */
    public boolean isSharedLibrary() {
        return header.type() == ElfHeader.ET_DYN && !isPie();
    }

    /** @return true when there is no program interpreter (static and static-pie executables) */
    public boolean isStatic() {
        return segmentOfType(Segment.PT_INTERP) == null && !isSharedLibrary();
    }

    /** @return the entry point */
    public long entry() {
        return header.entry();
    }

    /** @return the PT_INTERP path, "" if none */
    public String interpreter() {
        Segment s = segmentOfType(Segment.PT_INTERP);
        if (s == null) {
            return "";
        }
        in.require(s.offset(), s.filesz(), "PT_INTERP");
        return in.cString(s.offset(), s.offset() + s.filesz(), "PT_INTERP");
    }

    /** @return program headers in file order */
    public List<Segment> segments() {
        return segments;
    }

    /** @return section headers in index order (empty when the file has none) */
    public List<Section> sections() {
        return sections;
    }

    /** @return the first section with this name */
    public Optional<Section> section(String sectionName) {
        return sections.stream().filter(s -> s.name().equals(sectionName)).findFirst();
    }

    /** @return the allocated section containing {@code vaddr}, or null */
    public Section sectionContaining(long vaddr) {
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            if (s.size() > 0 && s.containsAddress(vaddr)) {
                return s;
            }
        }
        return null;
    }

    /** @return the PT_LOAD segment containing {@code vaddr}, or null */
    public Segment loadSegmentContaining(long vaddr) {
        // Indexed: asked per jump-table slot, and a for-each's iterator is an allocation each time.
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            if (s.isLoad() && s.containsAddress(vaddr)) {
                return s;
            }
        }
        return null;
    }

    /** @return the first segment of this type, or null */
    public Segment segmentOfType(int type) {
        for (Segment s : segments) {
            if (s.type() == type) {
                return s;
            }
        }
        return null;
    }

    /** @return true when {@code vaddr} is inside some PT_LOAD's memory image */
    public boolean isMapped(long vaddr) {
        return loadSegmentContaining(vaddr) != null;
    }

    /**
     * @return true when {@code vaddr} is in an executable PT_LOAD and, when the file has section
     *     headers, in an SHF_EXECINSTR section
     */
    public boolean isExecutableAddress(long vaddr) {
        Segment seg = loadSegmentContaining(vaddr);
        if (seg == null || !seg.isExecutable() || vaddr - seg.vaddr() >= seg.filesz()) {
            return false;
        }
        if (sections.isEmpty()) {
            return true;
        }
        Section s = sectionContaining(vaddr);
        return s != null && s.isExecutable();
    }

    /** @return the file offset backing {@code vaddr}, or -1 when no file byte backs it */
    public long fileOffset(long vaddr) {
        Segment s = loadSegmentContaining(vaddr);
        if (s == null || vaddr - s.vaddr() >= s.filesz()) {
            return -1;
        }
        return s.offset() + (vaddr - s.vaddr());
    }

    /**
     * @param vaddr start address, inside one PT_LOAD
     * @param length number of bytes
     * @return the bytes the loader maps there (zero past the segment's file size)
     */
    public byte[] bytesAt(long vaddr, int length) {
        Segment s = segmentHolding(vaddr, length);
        byte[] out = new byte[length];
        long rel = vaddr - s.vaddr();
        long fromFile = Math.max(0, Math.min(length, s.filesz() - rel));
        if (fromFile > 0) {
            System.arraycopy(data, (int) (s.offset() + rel), out, 0, (int) fromFile);
        }
        return out;
    }

    /** @return the PT_LOAD holding [vaddr, vaddr + length); throws when no single one does */
    private Segment segmentHolding(long vaddr, int length) {
        Segment s = loadSegmentContaining(vaddr);
        if (s == null || length < 0 || vaddr + length - s.vaddr() > s.memsz()) {
            throw new IllegalArgumentException(String.format("0x%x+%d is not inside one loaded segment", vaddr, length));
        }
        return s;
    }

    /**
     * @return the {@code length} bytes (at most 8) the loader maps at {@code vaddr}, little-endian, zero
     *     past the segment's file size: read in place, as jump-table slots are read by the hundred thousand
     */
    private long readLittleEndian(long vaddr, int length) {
        Segment s = segmentHolding(vaddr, length);
        long rel = vaddr - s.vaddr();
        int fromFile = (int) Math.max(0, Math.min(length, s.filesz() - rel));
        int at = (int) (s.offset() + rel);
        long v = 0;
        for (int i = fromFile - 1; i >= 0; i--) {
            v = v << 8 | (data[at + i] & 0xFF);
        }
        return v;
    }

    /** @return the 8-byte little-endian value the loader maps at {@code vaddr} */
    public long readU64(long vaddr) {
        return readLittleEndian(vaddr, 8);
    }

    /** @return the signed 4-byte value at {@code vaddr} */
    public int readI32(long vaddr) {
        return (int) readLittleEndian(vaddr, 4);
    }

    /** @return the byte at {@code vaddr} */
    public int readU8(long vaddr) {
        return (int) readLittleEndian(vaddr, 1);
    }

    /** @return .symtab symbols (empty when stripped) */
    public List<ElfSymbol> symbols() {
        return symbols;
    }

    /** @return .dynsym symbols */
    public List<ElfSymbol> dynamicSymbols() {
        return dynamicSymbols;
    }

    /** @return the symbols of .symtab, then those of .dynsym (a symbol in both comes twice) */
    public List<ElfSymbol> allSymbols() {
        List<ElfSymbol> out = new java.util.ArrayList<>(symbols.size() + dynamicSymbols.size());
        out.addAll(symbols);
        out.addAll(dynamicSymbols);
        return out;
    }

    /** @return every entry of every SHT_RELA section */
    public List<Relocation> relocations() {
        return relocations;
    }

    /** @return the .dynamic entries up to DT_NULL */
    public List<DynamicEntry> dynamic() {
        return dynamic;
    }

    /** @return DT_NEEDED library names */
    public List<String> neededLibraries() {
        return dynamicStrings(DynamicEntry.DT_NEEDED);
    }

    /**
     * @return the directories ld.so searches for this file's own DT_NEEDED libraries besides
     *     LD_LIBRARY_PATH and the system's, unexpanded ($ORIGIN stays): DT_RUNPATH's, or DT_RPATH's when
     *     there is no DT_RUNPATH (ld.so ignores DT_RPATH then)
     */
    public LibrarySearchPath librarySearchPath() {
        List<String> runpath = dynamicStrings(DynamicEntry.DT_RUNPATH);
        if (!runpath.isEmpty()) {
            return new LibrarySearchPath(List.of(), splitPath(runpath));
        }
        return new LibrarySearchPath(splitPath(dynamicStrings(DynamicEntry.DT_RPATH)), List.of());
    }

    private static List<String> splitPath(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            out.addAll(List.of(v.split(":")));
        }
        return out;
    }

    /** @return the .dynstr strings that entries with this tag name, in order */
    private List<String> dynamicStrings(long tag) {
        List<String> out = new ArrayList<>();
        long strtab = 0;
        for (DynamicEntry e : dynamic) {
            if (e.tag() == DynamicEntry.DT_STRTAB) {
                strtab = e.value();
            }
        }
        long strOff = fileOffset(strtab);
        Section dynstr = section(".dynstr").orElse(null);
        long limit = dynstr != null ? dynstr.offset() + dynstr.size() : data.length;
        for (DynamicEntry e : dynamic) {
            if (e.tag() == tag && strOff >= 0) {
                out.add(in.cString(strOff + e.value(), limit, DynamicEntry.tagName(tag)));
            }
        }
        return out;
    }

    /** @return PLT stubs and the functions they reach */
    public List<PltEntry> pltEntries() {
        if (pltEntries == null) {
            pltEntries = new PltReader(this).read();
        }
        return pltEntries;
    }

    /** @return function pointers of .init_array */
    public long[] initArray() {
        return pointerArray(Section.SHT_INIT_ARRAY);
    }

    /** @return function pointers of .fini_array */
    public long[] finiArray() {
        return pointerArray(Section.SHT_FINI_ARRAY);
    }

    /** @return function pointers of .preinit_array */
    public long[] preinitArray() {
        return pointerArray(Section.SHT_PREINIT_ARRAY);
    }

    /**
     * @return every pointer slot, set by a RELATIVE / 64 / IRELATIVE relocation, whose value is an
     *     executable address: slot address -> target
     */
    public Map<Long, Long> relativeCodePointers() {
        Map<Long, Long> out = new LinkedHashMap<>();
        Map<String, Long> defined = new java.util.HashMap<>();
        for (ElfSymbol s : dynamicSymbols) {
            if (s.isDefined()) {
                defined.putIfAbsent(s.name(), s.value());
            }
        }
        for (Relocation r : relocations) {
            long target;
            switch (r.type()) {
                case Relocation.R_X86_64_RELATIVE, Relocation.R_X86_64_IRELATIVE -> target = r.addend();
                case Relocation.R_X86_64_64 -> {
                    Long base = r.symbolIndex() == 0 ? Long.valueOf(0) : defined.get(r.symbolName());
                    if (base == null) {
                        continue;
                    }
                    target = base + r.addend();
                }
                default -> {
                    continue;
                }
            }
            if (isExecutableAddress(target)) {
                out.put(r.offset(), target);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private long[] pointerArray(int sectionType) {
        Section s = sections.stream().filter(x -> x.type() == sectionType).findFirst().orElse(null);
        if (s == null || s.size() == 0) {
            return new long[0];
        }
        Map<Long, Long> relocated = new java.util.HashMap<>();
        for (Relocation r : relocations) {
            if (r.type() == Relocation.R_X86_64_RELATIVE && r.offset() >= s.address()
                    && r.offset() < s.address() + s.size()) {
                relocated.put(r.offset(), r.addend());
            }
        }
        int n = (int) (s.size() / 8);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long slot = s.address() + 8L * i;
            Long rel = relocated.get(slot);
            out[i] = rel != null ? rel : in.u64(s.offset() + 8L * i);
        }
        return out;
    }

    /**
     * Expands SHT_RELR packed relative relocations into RELATIVE entries whose addend is the value
     * stored in the slot (RELR has implicit addends).
     */
    private List<Relocation> readRelr() {
        List<Relocation> out = new ArrayList<>();
        for (Section s : sections) {
            if (s.type() != Section.SHT_RELR) {
                continue;
            }
            long next = 0;
            for (long o = s.offset(); o + 8 <= s.offset() + s.size(); o += 8) {
                long entry = in.u64(o);
                if ((entry & 1) == 0) {
                    addRelr(out, s, entry);
                    next = entry + 8;
                } else {
                    for (int bit = 1; bit < 64; bit++) {
                        if ((entry >>> bit & 1) != 0) {
                            addRelr(out, s, next + (bit - 1) * 8L);
                        }
                    }
                    next += 63 * 8L;
                }
            }
        }
        return out;
    }

    private void addRelr(List<Relocation> out, Section s, long slot) {
        long off = fileOffset(slot);
        if (off < 0 || off + 8 > data.length) {
            throw new MalformedElfException(String.format("%s: relocated slot 0x%x is not in the file", s.name(), slot));
        }
        out.add(new Relocation(s.name(), slot, Relocation.R_X86_64_RELATIVE, 0, "", in.u64(off)));
    }

    private List<DynamicEntry> readDynamic() {
        Segment dyn = segmentOfType(Segment.PT_DYNAMIC);
        if (dyn == null) {
            return List.of();
        }
        in.require(dyn.offset(), dyn.filesz(), "PT_DYNAMIC");
        List<DynamicEntry> out = new ArrayList<>();
        for (long off = dyn.offset(); off + 16 <= dyn.offset() + dyn.filesz(); off += 16) {
            long tag = in.u64(off);
            if (tag == DynamicEntry.DT_NULL) {
                break;
            }
            out.add(new DynamicEntry(tag, in.u64(off + 8)));
        }
        return List.copyOf(out);
    }
}
