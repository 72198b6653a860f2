package org.ykrw.passes.patch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ykrw.core.diag.YkrwException;
import org.ykrw.core.pass.CodeView;
import org.ykrw.core.pass.FunctionRef;
import org.ykrw.core.pass.KeptOriginal;
import org.ykrw.core.pass.Pass;
import org.ykrw.core.pass.PassInput;
import org.ykrw.core.pass.PassRequests;

/**
 * The {@code patch} pass: makes functions return at once by writing {@code ret} (0xC3) over their
 * first instruction's first byte (after {@code endbr64}, which CET needs first), and undoes it exactly:
 * what yk's engineers did by hand with radare2. It asks for in-place patches by address and keeps the
 * bytes it overwrote ({@link PassRequests#keepOriginals}), so that enabling the last disabled function
 * gives back the file first patched byte for byte.
 *
 * <p>It needs no CFG ({@link #needsCfg}): functions are found through the symbol views or given by
 * address, and what is overwritten is read from the input's code bytes; lifting a large program would
 * take most of the run.
 */
public final class PatchPass implements Pass {
    private static final byte RET = (byte) 0xC3;
    private static final byte[] ENDBR64 = {(byte) 0xF3, 0x0F, 0x1E, (byte) 0xFA};

    private final List<String> enable;
    private final List<String> disable;

    /**
     * @param enable functions to restore (names or 0xADDRESS), first, so that a function can move from
     *     one list to the other in one run
     * @param disable functions to make return at once (names or 0xADDRESS)
     */
    public PatchPass(List<String> enable, List<String> disable) {
        this.enable = List.copyOf(enable);
        this.disable = List.copyOf(disable);
    }

    @Override
    public String name() {
        return "patch";
    }

    @Override
    public boolean needsCfg() {
        return false;
    }

    @Override
    public void run(PassInput input, PassRequests requests) {
        List<KeptOriginal> kept = new ArrayList<>(input.keptOriginals());
        // first bytes this run already rewrote: what a later step of the same run finds there
        Map<Long, Byte> written = new HashMap<>();
        for (String f : enable) {
            KeptOriginal found = kept.stream().filter(k -> k.name().equals(f)).findFirst()
                    // disabled by name, enabled by address (or the other way round)
                    .or(() -> kept.stream().filter(k -> sameFunction(input, f, k)).findFirst())
                    .orElseThrow(() -> new YkrwException(f + " was not disabled by ykrw patch in " + input.inputName()));
            if (firstByte(input, written, found.address()) != RET) {
                throw new YkrwException(String.format("%s: the byte at 0x%x is no longer ret; refusing to restore", f,
                        found.address()));
            }
            requests.patchInPlace(new PassRequests.InPlacePatch(found.address(), found.bytes()));
            written.put(found.address(), found.bytes()[0]);
            kept.remove(found);
        }
        for (String f : disable) {
            if (kept.stream().anyMatch(k -> k.name().equals(f))) {
                throw new YkrwException(f + " is already disabled in " + input.inputName());
            }
            long address = patchAddress(input, f);
            byte current = firstByte(input, written, address);
            if (current == RET) {
                throw new YkrwException(f + " already starts with ret: nothing to disable");
            }
            kept.add(new KeptOriginal(f, address, new byte[] {current}));
            requests.patchInPlace(new PassRequests.InPlacePatch(address, new byte[] {RET}));
            written.put(address, RET);
        }
        requests.keepOriginals(kept);
        requests.note(String.format("patch: %d enabled, %d disabled, %d kept disabled", enable.size(), disable.size(),
                kept.size()));
    }

    /** @return the byte at {@code address} as this run left it so far */
    private static byte firstByte(PassInput input, Map<Long, Byte> written, long address) {
        Byte b = written.get(address);
        if (b != null) {
            return b;
        }
        byte[] code = input.code().bytes(address, 1);
        if (code == null) {
            throw new YkrwException(String.format("%s: 0x%x is not in executable code", input.inputName(), address));
        }
        return code[0];
    }

    private static boolean sameFunction(PassInput input, String function, KeptOriginal k) {
        try {
            return patchAddress(input, function) == k.address();
        } catch (YkrwException e) {
            return false;
        }
    }

    /** @return the address of the byte that becomes {@code ret}: the function's entry, or just after its endbr64 */
    private static long patchAddress(PassInput input, String function) {
        FunctionRef ref = FunctionRef.parse(function);
        long entry = ref.entryAddress(input.symbols()).orElseThrow(() -> new YkrwException("no function " + function
                + " defined in " + input.inputName()
                + " (a stripped binary: give its address, as `ykrw functions` lists it)"));
        CodeView code = input.code();
        if (!code.isCode(entry, 1)) {
            throw new YkrwException(String.format("%s at 0x%x is not in executable code of %s", function, entry,
                    input.inputName()));
        }
        // the byte after endbr64 must be code too: it is the one overwritten
        byte[] start = code.bytes(entry, ENDBR64.length + 1);
        return start != null && Arrays.equals(start, 0, ENDBR64.length, ENDBR64, 0, ENDBR64.length)
                ? entry + ENDBR64.length : entry;
    }
}
