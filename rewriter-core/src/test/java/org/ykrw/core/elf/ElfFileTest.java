package org.ykrw.core.elf;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ykrw.core.dwarf.EhFrame;
import org.ykrw.core.testutil.Tools;

/** Compares what ElfFile reads from real Debian binaries with what readelf and objdump print. */
class ElfFileTest {
    @ParameterizedTest
    @ValueSource(strings = {"/usr/bin/ls", "/bin/true", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/python3.11"})
    void headersSectionsSymbolsAgreeWithReadelf(String file) {
        ElfFile elf = ElfFile.read(Path.of(file));
        String header = Tools.output("readelf", "-h", "-W", file);
        Matcher entry = Pattern.compile("Entry point address:\\s+0x([0-9a-f]+)").matcher(header);
        assertTrue(entry.find());
        assertEquals(Long.parseLong(entry.group(1), 16), elf.entry());
        Matcher shnum = Pattern.compile("Number of section headers:\\s+(\\d+)").matcher(header);
        assertTrue(shnum.find());
        assertEquals(Integer.parseInt(shnum.group(1)), elf.sections().size());
        Matcher phnum = Pattern.compile("Number of program headers:\\s+(\\d+)").matcher(header);
        assertTrue(phnum.find());
        assertEquals(Integer.parseInt(phnum.group(1)), elf.segments().size());

        Tools.SectionInfo text = Tools.section(Path.of(file), ".text");
        Section ours = elf.section(".text").orElseThrow();
        assertEquals(text.address(), ours.address());
        assertEquals(text.size(), ours.size());
        assertTrue(ours.isExecutable());

        String dyn = Tools.output("readelf", "--dyn-syms", "-W", file);
        Matcher n = Pattern.compile("Symbol table '.dynsym' contains (\\d+) entries").matcher(dyn);
        assertTrue(n.find());
        assertEquals(Integer.parseInt(n.group(1)), elf.dynamicSymbols().size());

        String relocs = Tools.output("readelf", "-r", "-W", file);
        Matcher r = Pattern.compile("Relocation section '\\.rela[^']*' at offset 0x[0-9a-f]+ contains (\\d+) entr").matcher(relocs);
        int total = 0;
        while (r.find()) {
            total += Integer.parseInt(r.group(1));
        }
        assertEquals(total, elf.relocations().stream().filter(x -> x.section().startsWith(".rela")).count());

        Set<String> needed = new TreeSet<>();
        Matcher m = Pattern.compile("\\(NEEDED\\)\\s+Shared library: \\[([^\\]]+)\\]").matcher(Tools.output("readelf", "-d", file));
        while (m.find()) {
            needed.add(m.group(1));
        }
        assertEquals(needed, new TreeSet<>(elf.neededLibraries()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/usr/bin/ls", "/usr/bin/python3.11"})
    void pltStubsAgreeWithObjdumpLabels(String file) {
        ElfFile elf = ElfFile.read(Path.of(file));
        Set<String> expected = new TreeSet<>();
        Matcher m = Pattern.compile("^([0-9a-f]+) <([^>@+]+)@plt>:", Pattern.MULTILINE)
                .matcher(Tools.output("objdump", "-d", "-j", ".plt", "-j", ".plt.sec", "-j", ".plt.got", file));
        while (m.find()) {
            expected.add(Long.parseLong(m.group(1), 16) + " " + m.group(2));
        }
        Set<String> ours = new TreeSet<>();
        for (PltEntry e : elf.pltEntries()) {
            ours.add(e.address() + " " + e.symbolName());
        }
        assertFalse(expected.isEmpty());
        assertEquals(expected, ours);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/usr/bin/ls", "/usr/lib/x86_64-linux-gnu/libc.so.6"})
    void frameDescriptionsAgreeWithReadelf(String file) {
        ElfFile elf = ElfFile.read(Path.of(file));
        Set<String> expected = new TreeSet<>();
        Matcher m = Pattern.compile("FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\\.\\.([0-9a-f]+)")
                // readelf exits 1 on libc.so.6 (it also looks at a debug-link copy) but prints the frames
                .matcher(Tools.run(List.of("readelf", "--debug-dump=frames", "-W", file)).stdout());
        while (m.find()) {
            long lo = Long.parseLong(m.group(1), 16);
            long hi = Long.parseLong(m.group(2), 16);
            if (hi > lo) {
                expected.add(Long.toHexString(lo) + "-" + Long.toHexString(hi));
            }
        }
        Set<String> ours = new TreeSet<>();
        for (EhFrame.Fde f : EhFrame.functionRanges(elf)) {
            ours.add(Long.toHexString(f.pcBegin()) + "-" + Long.toHexString(f.pcEnd()));
        }
        assertTrue(expected.size() > 100);
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(ours);
        Set<String> extra = new TreeSet<>(ours);
        extra.removeAll(expected);
        assertTrue(missing.isEmpty() && extra.isEmpty(), "missing " + missing.size() + " " + missing.stream().limit(5).toList()
                + ", extra " + extra.size() + " " + extra.stream().limit(5).toList());
    }

    @org.junit.jupiter.api.Test
    void classifiesExecutableKinds() {
        ElfFile ls = ElfFile.read(Path.of("/usr/bin/ls"));
        assertTrue(ls.isPie());
        assertFalse(ls.isStatic());
        assertEquals("/lib64/ld-linux-x86-64.so.2", ls.interpreter());
        // libc.so.6 has an interpreter (it runs and prints its version), so it counts as a PIE;
        // libstdc++ is a plain shared library.
        assertTrue(ElfFile.read(Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6")).isPie());
        ElfFile lib = ElfFile.read(Path.of("/usr/lib/x86_64-linux-gnu/libstdc++.so.6"));
        assertTrue(lib.isSharedLibrary());
        assertFalse(lib.isStatic());
        assertFalse(lib.dynamicSymbols().isEmpty());
        List<Long> init = java.util.Arrays.stream(ls.initArray()).boxed().toList();
        assertFalse(init.isEmpty());
        for (long p : init) {
            assertTrue(ls.isExecutableAddress(p), "init_array entry is code: " + Long.toHexString(p));
        }
    }
}
