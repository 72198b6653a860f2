package org.ykrw.core.emit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.diag.MalformedElfException;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;
import org.ykrw.core.elf.Segment;

/**
 * Edits what the dynamic linker reads: new DT_NEEDED entries, imported functions (an undefined symbol
 * and a GLOB_DAT relocation filling an 8-byte slot), exported functions (defined symbols ld.so, dlsym
 * and debuggers find) and DT_INIT. The input's tables are never changed in place: copies, extended,
 * go into one new read-write segment, PT_DYNAMIC moves there, and the section headers of the old
 * tables are made to describe the copies (readelf, nm -D, gdb read those), so the old bytes stay in
 * the file, unreferenced.
 *
 * <p>Invariants kept, and why:
 * <ul>
 * <li>.dynstr is the old one plus appended names, so every string offset of the old tables
 *     (.gnu.version_r, .gnu.version_d, DT_NEEDED, DT_SONAME, DT_RUNPATH) stays valid.
 * <li>Old symbols keep their indices, because .rela.plt (DT_JMPREL, untouched) and the copied
 *     .rela.dyn refer to them by index. Imports are appended and left out of the hash tables (ld.so
 *     never looks up an undefined symbol), so without exports the GNU hash table is kept as it is.
 *     With exports: a GNU hash table needs the hashed symbols grouped by bucket, which appended
 *     symbols would break, so the hashed part becomes a new run at the end holding a copy of every
 *     old defined hashed symbol and the exports, sorted by bucket, and the new symoffset points at
 *     it. The old entries stay, unhashed, for the relocations that name them by index; ld.so resolves
 *     by name, so it finds the copies, which carry the same value and version. (nm -D then lists
 *     the old exports twice.)
 * <li>New relocations are appended to the copy of DT_RELA, so the leading run of RELATIVE
 *     relocations that DT_RELACOUNT counts is unchanged. RELR and DT_JMPREL are left alone.
 * <li>The new .dynamic is writable: ld.so writes DT_DEBUG and, on x86-64, relocates the pointers of
 *     its entries in place.
 * </ul>
 * GOT[0] (the link-time {@code _DYNAMIC}) is set to the new .dynamic. glibc's ld.so (Debian 12,
 * 2.36) finds a program's and a library's dynamic section through PT_DYNAMIC only; it reads GOT[0]
 * for itself, and static-pie start-up reads {@code _DYNAMIC}, which is why statically linked inputs
 * are refused. Code that takes {@code _DYNAMIC}'s address directly (rip-relative) still sees the old
 * table, without DT_DEBUG filled in. Unstripped files also get the exports in .symtab, where gdb
 * looks instead of .dynsym.
 */
public final class DynamicEditor {
    static final long DT_NULL = 0, DT_NEEDED = 1, DT_HASH = 4, DT_STRTAB = 5, DT_SYMTAB = 6, DT_RELA = 7,
            DT_RELASZ = 8, DT_RELAENT = 9, DT_STRSZ = 10, DT_INIT = 12, DT_JMPREL = 23, DT_PLTRELSZ = 2, DT_PLTGOT = 3,
            DT_GNU_HASH = 0x6ffffef5L, DT_VERSYM = 0x6ffffff0L;
    private static final int SHT_GNU_VERSYM = 0x6fffffff;
    private static final int SYM_SIZE = 24;
    private static final int RELA_SIZE = 24;
    private static final int R_X86_64_GLOB_DAT = 6, R_X86_64_TPOFF64 = 18;
    private static final int STB_GLOBAL = 1, STB_WEAK = 2, STT_FUNC = 2, STT_TLS = 6;

    private final ElfFile elf;
    private final Map<Long, Long> old = new LinkedHashMap<>();
    private final List<long[]> oldEntries = new ArrayList<>();
    private final List<String> needed = new ArrayList<>();
    private final Map<String, Long> imports = new LinkedHashMap<>();
    private final java.util.Set<String> weakImports = new java.util.HashSet<>();
    private final java.util.Set<String> threadLocalImports = new java.util.HashSet<>();
    private final Map<String, Long> exports = new LinkedHashMap<>();
    private Long init;

    /**
     * @param elf a dynamically linked executable or shared library
     * @throws UnsupportedInputException when it is statically linked or has no dynamic section
     */
    private long[] placedTables;

    public DynamicEditor(ElfFile elf) {
        if (elf.segmentOfType(Segment.PT_DYNAMIC) == null || elf.isStatic()) {
            throw new UnsupportedInputException(elf.name()
                    + ": statically linked: there is no dynamic linker to load a library or export a symbol");
        }
        this.elf = elf;
        elf.dynamic().forEach(e -> {
            old.putIfAbsent(e.tag(), e.value());
            oldEntries.add(new long[] {e.tag(), e.value()});
        });
        if (!old.containsKey(DT_STRTAB) || !old.containsKey(DT_SYMTAB) || !old.containsKey(DT_STRSZ)) {
            throw new MalformedElfException(elf.name() + ": the dynamic section has no DT_STRTAB, DT_STRSZ or DT_SYMTAB");
        }
        if (!old.containsKey(DT_GNU_HASH) && !old.containsKey(DT_HASH)) {
            throw new MalformedElfException(elf.name() + ": the dynamic section has no symbol hash table");
        }
    }

    /** @param library a file name or path, as DT_NEEDED holds it; added after the existing ones */
    public void addNeeded(String library) {
        if (!needed.contains(library)) {
            needed.add(library);
        }
    }

    /**
     * Imports a function: ld.so writes its address into the 8-byte slot at load time, before any code
     * of the object runs.
     *
     * @param name the symbol
     * @param slotAddress link-time address of the slot, in a writable segment
     */
    public void importFunction(String name, long slotAddress) {
        importFunction(name, slotAddress, false);
    }

    /**
     * @param name the symbol
     * @param slotAddress link-time address of the slot, in a writable segment
     * @param weak when true, a symbol no loaded object defines leaves the slot 0 instead of failing the load
     */
    public void importFunction(String name, long slotAddress, boolean weak) {
        imports.put(name, slotAddress);
        if (weak) {
            weakImports.add(name);
        }
    }

    /**
     * Imports an initial-exec thread-local variable: ld.so writes its offset from the thread pointer into
     * the 8-byte slot (an STT_TLS undefined symbol, an R_X86_64_TPOFF64 relocation), which works for a
     * variable of a library loaded at start-up (glibc puts those in the static TLS block).
     *
     * @param name the symbol
     * @param slotAddress link-time address of the slot, in a writable segment
     */
    public void importThreadLocal(String name, long slotAddress) {
        imports.put(name, slotAddress);
        threadLocalImports.add(name);
    }

    /**
     * Exports a function (GLOBAL, DEFAULT visibility, unversioned).
     *
     * @param name the symbol
     * @param address its link-time address, in an added segment
     */
    public void exportFunction(String name, long address) {
        exports.put(name, address);
    }

    /** @return the input's DT_INIT (link-time), or 0 */
    public long oldInit() {
        return old.getOrDefault(DT_INIT, 0L);
    }

    /** @param address the new DT_INIT (link-time); the caller chains to {@link #oldInit()} */
    public void setInit(long address) {
        init = address;
    }

    /** @return true when nothing was asked for */
    /**
     * @return the link-time range [start, end) of the segment {@link #apply} added, which holds the new
     *     .dynamic and everything ld.so reads through it; null before apply. Writable for ld.so
     *     (DT_DEBUG), it is the input's RELRO data: the runtime makes it read-only at start-up.
     */
    public long[] placedTables() {
        return placedTables == null ? null : placedTables.clone();
    }

    public boolean isEmpty() {
        return needed.isEmpty() && imports.isEmpty() && exports.isEmpty() && init == null;
    }

    /**
     * Writes the new tables into a new segment of {@code image} and points PT_DYNAMIC and the old
     * tables' section headers at them. Call after every other segment that exported symbols live in
     * has been added (their section indices must be known).
     *
     * @param image the output being built
     */
    public void apply(ElfImageBuilder image) {
        // 1. The symbols: old ones, then imports (undefined, unhashed), then the hashed run.
        byte[] oldStr = elf.bytesAt(old.get(DT_STRTAB), (int) (long) old.get(DT_STRSZ));
        int symbolCount = symbolCount();
        byte[] oldSym = elf.bytesAt(old.get(DT_SYMTAB), symbolCount * SYM_SIZE);
        int oldSymoffset = old.containsKey(DT_GNU_HASH) ? elf.readI32(old.get(DT_GNU_HASH) + 4) : symbolCount;
        if (oldSymoffset < 0 || oldSymoffset > symbolCount) {
            throw new MalformedElfException(elf.name() + ": .gnu.hash symoffset out of range");
        }
        ByteArrayOutputStream str = new ByteArrayOutputStream();
        str.writeBytes(oldStr);
        ByteArrayOutputStream sym = new ByteArrayOutputStream();
        sym.writeBytes(oldSym);
        List<Integer> versions = new ArrayList<>();
        byte[] oldVersym = old.containsKey(DT_VERSYM) ? elf.bytesAt(old.get(DT_VERSYM), symbolCount * 2) : null;
        for (int i = 0; i < symbolCount; i++) {
            versions.add(oldVersym == null ? 1 : (oldVersym[2 * i] & 0xFF) | (oldVersym[2 * i + 1] & 0xFF) << 8);
        }
        Map<String, Integer> importIndex = new LinkedHashMap<>();
        for (String name : imports.keySet()) {
            importIndex.put(name, versions.size());
            int binding = weakImports.contains(name) ? STB_WEAK : STB_GLOBAL;
            int type = threadLocalImports.contains(name) ? STT_TLS : STT_FUNC;
            sym.writeBytes(symbol(addString(str, name), binding << 4 | type, 0, 0));
            versions.add(1);
        }
        // The hashed run: copies of the old hashed symbols, then the exports, grouped by bucket.
        record Hashed(byte[] entry, int version, String name) {
        }
        List<Hashed> hashed = new ArrayList<>();
        for (int i = oldSymoffset; i < symbolCount && !exports.isEmpty(); i++) {
            byte[] e = Arrays.copyOfRange(oldSym, i * SYM_SIZE, (i + 1) * SYM_SIZE);
            if ((e[6] | e[7]) != 0) {   // defined (st_shndx != SHN_UNDEF): only those are worth finding
                hashed.add(new Hashed(e, versions.get(i), cString(oldStr, le32(e, 0))));
            }
        }
        for (Map.Entry<String, Long> x : exports.entrySet()) {
            int shndx = image.sectionIndexOf(x.getValue());
            hashed.add(new Hashed(symbol(addString(str, x.getKey()), STB_GLOBAL << 4 | STT_FUNC, shndx, x.getValue()), 1,
                    x.getKey()));
        }
        int symoffset = versions.size();
        int buckets = Math.max(1, hashed.size() / 4 + 1);
        hashed.sort((a, b) -> Integer.compareUnsigned(Integer.remainderUnsigned(gnuHash(a.name()), buckets),
                Integer.remainderUnsigned(gnuHash(b.name()), buckets)));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < symoffset; i++) {
            names.add(i < symbolCount ? cString(oldStr, le32(oldSym, i * SYM_SIZE)) : null);
        }
        for (Map.Entry<String, Integer> x : importIndex.entrySet()) {
            names.set(x.getValue(), x.getKey());
        }
        for (Hashed h : hashed) {
            sym.writeBytes(h.entry());
            versions.add(h.version());
            names.add(h.name());
        }
        // Nothing exported: the old GNU hash table still describes every symbol worth finding (imports
        // are undefined, and ld.so never looks up undefined symbols), so it is kept byte for byte.
        byte[] gnuHash = !old.containsKey(DT_GNU_HASH) ? null
                : exports.isEmpty() ? elf.bytesAt(old.get(DT_GNU_HASH), gnuHashSize(symbolCount))
                : gnuHashTable(names, symoffset, buckets);
        byte[] sysvHash = old.containsKey(DT_HASH) ? sysvHashTable(names) : null;

        // 2. Relocations: the old DT_RELA run (without .rela.plt when it is inside), then the new ones.
        ByteArrayOutputStream rela = new ByteArrayOutputStream();
        if (old.containsKey(DT_RELA)) {
            long start = old.get(DT_RELA);
            long end = start + old.getOrDefault(DT_RELASZ, 0L);
            Long jmprel = old.get(DT_JMPREL);
            if (jmprel != null && jmprel >= start && jmprel < end) {
                end = jmprel;
            }
            // From the image, not the input: jump tables in PIE were retargeted through these addends.
            rela.writeBytes(image.patchedBytesAt(start, (int) (end - start)));
        }
        for (Map.Entry<String, Long> x : imports.entrySet()) {
            ByteBuffer r = le(RELA_SIZE);
            int type = threadLocalImports.contains(x.getKey()) ? R_X86_64_TPOFF64 : R_X86_64_GLOB_DAT;
            r.putLong(x.getValue()).putLong((long) importIndex.get(x.getKey()) << 32 | type).putLong(0);
            rela.writeBytes(r.array());
        }
        List<Integer> neededOffsets = new ArrayList<>();
        for (String n : needed) {
            neededOffsets.add(addString(str, n));
        }

        // 3. Lay the tables out in one segment: .dynamic first (its size is known), then the rest.
        int dynamicEntries = oldEntries.size() + needed.size() + 8;
        ElfImageBuilder.SegmentHandle segment = image.reserveSegment(".ykrw.dynamic", Segment.PF_R | Segment.PF_W);
        long base = segment.address();
        ByteArrayOutputStream seg = new ByteArrayOutputStream();
        seg.writeBytes(new byte[dynamicEntries * 16]);
        long strAddress = base + put(seg, str.toByteArray());
        long symAddress = base + put(seg, sym.toByteArray());
        ByteBuffer vs = le(versions.size() * 2);
        versions.forEach(v -> vs.putShort((short) (int) v));
        long versymAddress = oldVersym == null ? 0 : base + put(seg, vs.array());
        long gnuHashAddress = gnuHash == null ? 0 : base + put(seg, gnuHash);
        long hashAddress = sysvHash == null ? 0 : base + put(seg, sysvHash);
        long relaAddress = rela.size() == 0 ? 0 : base + put(seg, rela.toByteArray());

        // 4. The new .dynamic: the old entries with their pointers moved, new DT_NEEDED after the old ones.
        Map<Long, Long> moved = new LinkedHashMap<>();
        moved.put(DT_STRTAB, strAddress);
        moved.put(DT_STRSZ, (long) str.size());
        moved.put(DT_SYMTAB, symAddress);
        if (versymAddress != 0) {
            moved.put(DT_VERSYM, versymAddress);
        }
        if (gnuHashAddress != 0) {
            moved.put(DT_GNU_HASH, gnuHashAddress);
        }
        if (hashAddress != 0) {
            moved.put(DT_HASH, hashAddress);
        }
        if (relaAddress != 0) {
            moved.put(DT_RELA, relaAddress);
            moved.put(DT_RELASZ, (long) rela.size());
            moved.put(DT_RELAENT, (long) RELA_SIZE);
        }
        if (init != null) {
            moved.put(DT_INIT, init);
        }
        List<long[]> entries = new ArrayList<>();
        int lastNeeded = -1;
        for (long[] e : oldEntries) {
            entries.add(new long[] {e[0], moved.getOrDefault(e[0], e[1])});
            if (e[0] == DT_NEEDED) {
                lastNeeded = entries.size() - 1;
            }
        }
        for (int i = 0; i < neededOffsets.size(); i++) {
            entries.add(lastNeeded + 1 + i, new long[] {DT_NEEDED, neededOffsets.get(i)});
        }
        for (long tag : moved.keySet()) {
            if (!old.containsKey(tag)) {
                entries.add(new long[] {tag, moved.get(tag)});  // DT_RELA* or DT_INIT the input lacked
            }
        }
        byte[] bytes = seg.toByteArray();
        ByteBuffer d = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < entries.size(); i++) {
            d.putLong(16 * i, entries.get(i)[0]).putLong(16 * i + 8, entries.get(i)[1]);
        }  // the rest stays DT_NULL: the terminator and room for tools that add entries later

        segment.fill(bytes);
        placedTables = new long[] {base, base + bytes.length};
        image.redirectSegment(Segment.PT_DYNAMIC, base, (long) dynamicEntries * 16);

        // 5. Section headers follow the tables, so tools read what ld.so reads.
        redirect(image, Section.SHT_DYNAMIC, elf.segmentOfType(Segment.PT_DYNAMIC).vaddr(), base, dynamicEntries * 16L);
        redirect(image, Section.SHT_STRTAB, old.get(DT_STRTAB), strAddress, str.size());
        redirect(image, Section.SHT_DYNSYM, old.get(DT_SYMTAB), symAddress, sym.size());
        if (versymAddress != 0) {
            redirect(image, SHT_GNU_VERSYM, old.get(DT_VERSYM), versymAddress, vs.capacity());
        }
        if (gnuHashAddress != 0) {
            redirect(image, Section.SHT_GNU_HASH, old.get(DT_GNU_HASH), gnuHashAddress, gnuHash.length);
        }
        if (hashAddress != 0) {
            redirect(image, Section.SHT_HASH, old.get(DT_HASH), hashAddress, sysvHash.length);
        }
        if (relaAddress != 0 && old.containsKey(DT_RELA)) {
            redirect(image, Section.SHT_RELA, old.get(DT_RELA), relaAddress, rela.size());
        }

        // 6. GOT[0] holds the link-time _DYNAMIC for code that looks for it there; keep it true.
        long oldDynamic = elf.segmentOfType(Segment.PT_DYNAMIC).vaddr();
        Long pltgot = old.get(DT_PLTGOT);
        if (pltgot != null && elf.fileOffset(pltgot) >= 0 && elf.fileOffset(pltgot + 7) == elf.fileOffset(pltgot) + 7
                && elf.readU64(pltgot) == oldDynamic) {
            image.patch(pltgot, le(8).putLong(base).array());
        }
        addExportsToSymtab(image, exports.entrySet().stream()
                .map(x -> symbol(0, STB_GLOBAL << 4 | STT_FUNC, image.sectionIndexOf(x.getValue()), x.getValue())).toList());
    }

    /**
     * Unstripped files: debuggers read .symtab and then ignore .dynsym (gdb does), so the exports go
     * into .symtab too: appended (globals may follow the last local), names appended to its string table.
     */
    private void addExportsToSymtab(ElfImageBuilder image, List<byte[]> symbols) {
        Section symtab = elf.sections().stream().filter(s -> s.type() == Section.SHT_SYMTAB).findFirst().orElse(null);
        if (symtab == null || symbols.isEmpty() || symtab.link() <= 0 || symtab.link() >= elf.sections().size()) {
            return;
        }
        Section strtab = elf.sections().get(symtab.link());
        byte[] data = elf.data();
        if (symtab.offset() + symtab.size() > data.length || strtab.offset() + strtab.size() > data.length) {
            return;
        }
        ByteArrayOutputStream str = new ByteArrayOutputStream();
        str.write(data, (int) strtab.offset(), (int) strtab.size());
        ByteArrayOutputStream sym = new ByteArrayOutputStream();
        sym.write(data, (int) symtab.offset(), (int) symtab.size());
        List<String> names = new ArrayList<>(exports.keySet());
        for (int i = 0; i < symbols.size(); i++) {
            byte[] e = symbols.get(i).clone();
            ByteBuffer.wrap(e).order(ByteOrder.LITTLE_ENDIAN).putInt(0, addString(str, names.get(i)));
            sym.writeBytes(e);
        }
        image.replaceUnloadedSection(symtab.index(), sym.toByteArray());
        image.replaceUnloadedSection(strtab.index(), str.toByteArray());
    }

    private void redirect(ElfImageBuilder image, int type, long oldAddress, long address, long size) {
        for (Section s : elf.sections()) {
            if (s.type() == type && s.address() == oldAddress && s.isAlloc()) {
                image.redirectSection(s.index(), address, size);
                return;
            }
        }
    }

    /**
     * The number of dynamic symbols. No single source is enough: a GNU hash table only bounds the
     * hashed ones (with none hashed, ld sets symoffset to 1 whatever the count), and section headers
     * may be missing; so the largest of the hash table's count, the .dynsym section's and the highest
     * symbol index a relocation names, plus one.
     */
    private int symbolCount() {
        int count = hashSymbolCount();
        java.util.Set<String> dynamicRelocationSections = new java.util.HashSet<>();
        for (Section s : elf.sections()) {
            if (s.type() == Section.SHT_DYNSYM && s.address() == old.get(DT_SYMTAB)) {
                count = Math.max(count, (int) (s.size() / SYM_SIZE));
                for (Section r : elf.sections()) {
                    if (r.type() == Section.SHT_RELA && r.isAlloc() && r.link() == s.index()) {
                        dynamicRelocationSections.add(r.name());
                    }
                }
            }
        }
        for (org.ykrw.core.elf.Relocation r : elf.relocations()) {
            if (dynamicRelocationSections.contains(r.section())) {
                count = Math.max(count, r.symbolIndex() + 1);
            }
        }
        return count;
    }

    private int hashSymbolCount() {
        if (old.containsKey(DT_HASH)) {
            return elf.readI32(old.get(DT_HASH) + 4);   // nchain
        }
        long table = old.get(DT_GNU_HASH);
        int nbuckets = elf.readI32(table);
        int symoffset = elf.readI32(table + 4);
        int bloomWords = elf.readI32(table + 8);
        if (nbuckets < 0 || bloomWords < 0 || symoffset < 0) {
            throw new MalformedElfException(elf.name() + ": .gnu.hash header out of range");
        }
        long bucketAt = table + 16 + 8L * bloomWords;
        long chainAt = bucketAt + 4L * nbuckets;
        int last = -1;
        for (int b = 0; b < nbuckets; b++) {
            last = Math.max(last, elf.readI32(bucketAt + 4L * b));
        }
        if (last < symoffset) {
            return symoffset;   // no hashed symbol at all
        }
        while ((elf.readI32(chainAt + 4L * (last - symoffset)) & 1) == 0) {
            last++;
        }
        return last + 1;
    }

    private int gnuHashSize(int symbolCount) {
        long table = old.get(DT_GNU_HASH);
        int nbuckets = elf.readI32(table);
        int symoffset = elf.readI32(table + 4);
        int bloomWords = elf.readI32(table + 8);
        return 16 + 8 * bloomWords + 4 * nbuckets + 4 * Math.max(0, symbolCount - symoffset);
    }

    private static byte[] symbol(int name, int info, int shndx, long value) {
        ByteBuffer b = le(SYM_SIZE);
        b.putInt(name).put((byte) info).put((byte) 0).putShort((short) shndx).putLong(value).putLong(0);
        return b.array();
    }

    private static int addString(ByteArrayOutputStream str, String s) {
        int at = str.size();
        str.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        str.write(0);
        return at;
    }

    /** Appends 8-aligned; @return the offset it went to */
    private static long put(ByteArrayOutputStream seg, byte[] b) {
        while (seg.size() % 8 != 0) {
            seg.write(0);
        }
        long at = seg.size();
        seg.writeBytes(b);
        return at;
    }

    /** GNU hash table over names[symoffset..], which are already grouped by bucket (ld.so's layout). */
    private static byte[] gnuHashTable(List<String> names, int symoffset, int nbuckets) {
        int n = names.size() - symoffset;
        int bloomWords = Integer.highestOneBit(Math.max(1, n / 32)) * 2;
        int shift = 6;
        long[] bloom = new long[bloomWords];
        int[] bucket = new int[nbuckets];
        int[] chain = new int[n];
        for (int i = 0; i < n; i++) {
            int h = gnuHash(names.get(symoffset + i));
            bloom[Integer.remainderUnsigned(h >>> 6, bloomWords)] |= 1L << (h & 63) | 1L << ((h >>> shift) & 63);
            int b = Integer.remainderUnsigned(h, nbuckets);
            if (bucket[b] == 0) {
                bucket[b] = symoffset + i;
            }
            boolean last = i == n - 1 || Integer.remainderUnsigned(gnuHash(names.get(symoffset + i + 1)), nbuckets) != b;
            chain[i] = last ? h | 1 : h & ~1;
        }
        ByteBuffer out = le(16 + 8 * bloomWords + 4 * nbuckets + 4 * n);
        out.putInt(nbuckets).putInt(symoffset).putInt(bloomWords).putInt(shift);
        for (long w : bloom) {
            out.putLong(w);
        }
        for (int b : bucket) {
            out.putInt(b);
        }
        for (int c : chain) {
            out.putInt(c);
        }
        return out.array();
    }

    /** SysV hash table over every symbol (index 0, the null symbol, is never entered). */
    private static byte[] sysvHashTable(List<String> names) {
        int n = names.size();
        int nbuckets = Math.max(1, n / 2 + 1);
        int[] bucket = new int[nbuckets];
        int[] chain = new int[n];
        for (int i = 1; i < n; i++) {
            if (names.get(i) == null || names.get(i).isEmpty()) {
                continue;
            }
            int b = (int) (sysvHash(names.get(i)) % nbuckets);
            chain[i] = bucket[b];
            bucket[b] = i;
        }
        ByteBuffer out = le(8 + 4 * nbuckets + 4 * n);
        out.putInt(nbuckets).putInt(n);
        for (int b : bucket) {
            out.putInt(b);
        }
        for (int c : chain) {
            out.putInt(c);
        }
        return out.array();
    }

    static int gnuHash(String name) {
        int h = 5381;
        for (byte c : name.getBytes(StandardCharsets.UTF_8)) {
            h = h * 33 + (c & 0xFF);
        }
        return h;
    }

    static long sysvHash(String name) {
        long h = 0;
        for (byte c : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h << 4) + (c & 0xFF);
            long g = h & 0xf0000000L;
            if (g != 0) {
                h ^= g >>> 24;
            }
            h &= ~g & 0xffffffffL;
        }
        return h;
    }

    private static String cString(byte[] table, int at) {
        if (at < 0 || at >= table.length) {
            throw new MalformedElfException("dynamic symbol name offset " + at + " outside .dynstr");
        }
        int end = at;
        while (end < table.length && table[end] != 0) {
            end++;
        }
        return new String(table, at, end - at, StandardCharsets.UTF_8);
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
