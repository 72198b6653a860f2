package org.ykrw.core.pass;

import java.util.OptionalLong;
import org.ykrw.core.diag.UnsupportedInputException;
import org.ykrw.core.ir.Function;
import org.ykrw.core.ir.Program;

/**
 * A function as a user names it on the command line: by its symbol name, or by its entry address
 * written {@code 0xHEX} (a stripped binary's functions have no names; {@code ykrw functions} lists their
 * addresses). One parser for every option that takes a function.
 *
 * @param text what the user wrote
 * @param isAddress true when the user gave an address rather than a name
 * @param address the entry address when {@code isAddress}
 */
public record FunctionRef(String text, boolean isAddress, long address) {
    /**
     * @param text a function name or {@code 0xHEX}
     * @return the reference
     * @throws UnsupportedInputException when {@code text} starts with 0x but is no hexadecimal number
     */
    public static FunctionRef parse(String text) {
        if (!text.startsWith("0x") && !text.startsWith("0X")) {
            return new FunctionRef(text, false, 0);
        }
        try {
            return new FunctionRef(text, true, Long.parseUnsignedLong(text.substring(2), 16));
        } catch (NumberFormatException e) {
            throw new UnsupportedInputException(text + " is neither a function name nor a hexadecimal address");
        }
    }

    /**
     * @param symbols the input's function symbols
     * @return the entry address: the one given, or that of the first symbol of this name
     */
    public OptionalLong entryAddress(ProgramSymbols symbols) {
        if (isAddress()) {
            return OptionalLong.of(address);
        }
        return symbols.function(text).map(s -> OptionalLong.of(s.address())).orElse(OptionalLong.empty());
    }

    /**
     * @param program a lifted program
     * @return the function that starts at the address, or has the name (or an alias of it), or null
     */
    public Function in(Program program) {
        return isAddress() ? program.functionAt(address) : program.functionByName(text).orElse(null);
    }
}
