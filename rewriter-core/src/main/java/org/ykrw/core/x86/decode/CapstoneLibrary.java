package org.ykrw.core.x86.decode;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;
import org.ykrw.core.diag.YkrwException;

/**
 * The handful of capstone C functions ykrw calls, bound directly with JNA. Loaded by its soname so
 * that only Debian's runtime package (libcapstone4) is needed, not the -dev symlink.
 */
interface CapstoneLibrary extends Library {
    int cs_open(int arch, int mode, NativeLongByReference handle);

    int cs_option(NativeLong handle, int type, NativeLong value);

    NativeLong cs_disasm(NativeLong handle, Pointer code, NativeLong codeSize, long address, NativeLong count,
            PointerByReference insn);

    void cs_free(Pointer insn, NativeLong count);

    int cs_close(NativeLongByReference handle);

    int cs_errno(NativeLong handle);

    /**
     * @return the library, loaded on first use
     * @throws YkrwException (one line, every time it is asked) when capstone or JNA cannot be loaded
     */
    static CapstoneLibrary shared() {
        return Holder.get();
    }

    /** Loads once and remembers the outcome, success or the failure's message. */
    final class Holder {
        private static CapstoneLibrary loaded;
        private static String failure;

        private Holder() {
        }

        static synchronized CapstoneLibrary get() {
            if (loaded == null && failure == null) {
                try {
                    loaded = load();
                } catch (YkrwException e) {
                    failure = e.getMessage();
                }
            }
            if (loaded == null) {
                throw new YkrwException(failure);
            }
            return loaded;
        }
    }

    /** @return the loaded library, or a one-line YkrwException naming the package to install */
    private static CapstoneLibrary load() {
        // Unless told where the system's libraries are, JNA's first use runs `ldconfig -p` in a child
        // process to find out (10-20 ms of every start-up). The names below are found by dlopen itself,
        // through the loader's cache, so the usual directories are all JNA needs to be told.
        if (System.getProperty("jna.platform.library.path") == null) {
            System.setProperty("jna.platform.library.path", "/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:/usr/lib64:/usr/lib:/lib");
        }
        Throwable last = null;
        for (String name : new String[] {"libcapstone.so.4", "capstone"}) {
            try {
                return Native.load(name, CapstoneLibrary.class);
            } catch (UnsatisfiedLinkError e) {
                if (String.valueOf(e.getMessage()).contains("jnidispatch")) {
                    return jnaFailed(e);
                }
                last = e;
            } catch (LinkageError e) {
                // JNA extracts its native stub to a temporary file first: a full /tmp or a file-size limit
                // (ulimit -f) makes its class initialisation fail, reported as one of these errors.
                return jnaFailed(e);
            }
        }
        throw new YkrwException("libcapstone4 is not installed (apt-get install libcapstone4)", last);
    }

    private static CapstoneLibrary jnaFailed(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        throw new YkrwException("cannot load JNA's native library (needed for capstone): "
                + String.valueOf(root.getMessage()).replace('\n', ' '), e);
    }
}
