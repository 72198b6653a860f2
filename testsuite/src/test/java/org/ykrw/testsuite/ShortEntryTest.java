package org.ykrw.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.ElfSymbol;
import org.ykrw.core.testutil.Tools;

/**
 * Functions shorter than the 5-byte entry jump (issue 12: python3.11 left 216 in place, sqlite3 36,
 * neither traced nor counted): standalone/tiny.c built with the compilers' padding between functions
 * and packed without it (gcc -falign-functions=1, -Os). Each of its functions moves, and the bytes at
 * its old entry in the output lead, through a {@code jmp rel32} or a {@code jmp rel8} to a slot holding
 * one, to its new address; the program prints what the original printed. A one-byte function may stay
 * when the byte after it sends a short jump nowhere free; nothing else may.
 */
class ShortEntryTest {
    private static final List<String> FUNCTIONS = List.of("nothing", "zero", "ident", "twice", "get_flag", "neg",
            "sum", "apply", "main");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"gcc,-O2,pie", "gcc,-O2,nopie", "gcc,-O2 -falign-functions=1,pie", "gcc,-Os,nopie",
        "clang,-O2,pie", "clang,-Os,pie", "clang,-Os,nopie"})
    void shortFunctionsMoveAndTheirOldEntryLeadsToTheNewCode(String cc, String opts, String link) {
        Path bin = dir.resolve("tiny");
        List<String> cmd = new ArrayList<>(List.of(cc));
        cmd.addAll(List.of(opts.split(" ")));
        cmd.addAll(link.equals("pie") ? List.of("-fPIE", "-pie") : List.of("-fno-pie", "-no-pie"));
        cmd.addAll(List.of("-o", bin.toString(),
                Path.of("src/test/resources/standalone/tiny.c").toAbsolutePath().toString()));
        Tools.output(cmd);
        Path out = dir.resolve("tiny.rw");
        Tools.Result rw = YkrwJar.run("rewrite", "--report", bin.toString(), "-o", out.toString());
        assertEquals(0, rw.exit(), rw.stderr());
        assertEquals(Tools.run(List.of(bin.toString()), 30).stdout(), Tools.run(List.of(out.toString()), 30).stdout());

        ElfFile original = ElfFile.read(bin);
        ElfFile rewritten = ElfFile.read(out);
        Map<String, ElfSymbol> before = functions(original);
        Map<String, ElfSymbol> after = functions(rewritten);
        Map<String, String> stayed = new HashMap<>();
        Matcher m = Pattern.compile("left in place: (\\S+) at 0x[0-9a-f]+: (.*)").matcher(rw.stdout() + rw.stderr());
        while (m.find()) {
            stayed.put(m.group(1), m.group(2));
        }
        int checked = 0;
        int viaSlot = 0;
        for (String name : FUNCTIONS) {
            ElfSymbol old = before.get(name);
            assertTrue(old != null, name + " in " + before.keySet());
            if (stayed.containsKey(name)) {
                assertTrue(old.size() == 1 && stayed.get(name).contains("one byte"), name + " of " + old.size()
                        + " bytes stayed: " + stayed.get(name));
                continue;
            }
            long target = after.get(name).value();
            assertTrue(target != old.value(), name + " moved");
            long at = old.value();
            if (rewritten.readU8(at) == 0xEB) {
                at = at + 2 + (byte) rewritten.readU8(at + 1);
                viaSlot++;
            }
            assertEquals(0xE9, rewritten.readU8(at), String.format("%s: a jmp rel32 at 0x%x", name, at));
            assertEquals(target, at + 5 + rewritten.readI32(at + 1),
                    String.format("%s: the jump at 0x%x reaches its new address", name, at));
            checked++;
        }
        assertTrue(checked >= FUNCTIONS.size() - 1, "moved: " + checked);
        if (!opts.equals("-O2")) {
            // packed back to back, a 3-byte function has no room for 5 bytes: a short jump to a slot
            assertTrue(viaSlot >= 1, "entries through a slot: " + viaSlot);
        }
    }

    private static Map<String, ElfSymbol> functions(ElfFile elf) {
        Map<String, ElfSymbol> out = new HashMap<>();
        for (ElfSymbol s : elf.symbols()) {
            if (s.isFunction() && s.isDefined()) {
                out.put(s.name(), s);
            }
        }
        return out;
    }
}
