package org.ykrw.passes.instrument;

import java.util.regex.Pattern;
import org.ykrw.core.ir.Function;
import org.ykrw.core.pass.PassInput;

/**
 * Which functions a pass instruments: relocated ones (only they can take probes) whose name matches
 * {@code --functions} and not {@code --skip-functions}.
 *
 * @param only functions to instrument (null: all)
 * @param skip functions to leave alone (null: none)
 */
public record BlockFilter(Pattern only, Pattern skip) {
    /** Instruments every function that moves. */
    public static final BlockFilter ALL = new BlockFilter(null, null);

    /** @return true when f's blocks get probes */
    public boolean accepts(PassInput input, Function f) {
        if (!input.isRelocated(f)) {
            return false;
        }
        if (only != null && !only.matcher(f.name()).matches()) {
            return false;
        }
        return skip == null || !skip.matcher(f.name()).matches();
    }
}
