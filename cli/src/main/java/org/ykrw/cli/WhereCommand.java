package org.ykrw.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Section;
import org.ykrw.core.layout.AddressMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ykrw where OUT ADDRESS...}: the input address each address of a strict output's moved code
 * came from, read from its {@code .ykrw.addrmap} section (link-time addresses on both sides).
 */
@Command(name = "where", description = "Map addresses of a --strict output's moved code back to the input's"
        + " instructions (link-time addresses; subtract the load bias from a PIE's run-time ones).")
final class WhereCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OUT", description = "A file written by rewrite or instrument with --strict.")
    Path binary;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "ADDRESS", description = "Addresses, hex (0x...) or decimal.")
    List<String> addresses;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ElfFile elf = ElfFile.read(binary);
        String where = elf.name() + " section " + AddressMap.SECTION;
        Section s = elf.section(AddressMap.SECTION).orElseThrow(() -> new YkrwException(elf.name() + " has no "
                + AddressMap.SECTION + " section: only outputs of rewrite or instrument with --strict carry it"));
        if (!s.hasFileBytes() || s.offset() < 0 || s.size() < 0 || s.offset() > elf.data().length
                || s.size() > elf.data().length - s.offset()) {
            throw new YkrwException(where + " lies outside the file");
        }
        AddressMap map = AddressMap.decode(Arrays.copyOfRange(elf.data(), (int) s.offset(), (int) (s.offset() + s.size())),
                where);
        Section text = elf.section(".ykrw.text").orElse(null);
        for (String a : addresses) {
            long address = parse(a);
            long[] hit = text != null && text.containsAddress(address) ? map.lookup(address) : null;
            if (hit == null) {
                System.out.printf("0x%x: not in the moved code%n", address);
            } else if (hit[1] == 0) {
                System.out.printf("0x%x: 0x%x%n", address, hit[0]);
            } else {
                System.out.printf("0x%x: 0x%x (+%d bytes into the code emitted for it)%n", address, hit[0], hit[1]);
            }
        }
        return 0;
    }

    private long parse(String a) {
        try {
            return a.startsWith("0x") || a.startsWith("0X") ? Long.parseUnsignedLong(a.substring(2), 16) : Long.parseLong(a);
        } catch (NumberFormatException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "not an address: " + a);
        }
    }
}
