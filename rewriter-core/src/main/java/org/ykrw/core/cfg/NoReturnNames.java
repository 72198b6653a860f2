package org.ykrw.core.cfg;

import java.util.Set;

/** Library functions known never to return to their caller. */
final class NoReturnNames {
    private NoReturnNames() {
    }

    private static final Set<String> NAMES = Set.of(
            "exit", "_exit", "_Exit", "quick_exit", "abort", "__stack_chk_fail", "__assert_fail",
            "__assert_perror_fail", "__cxa_throw", "__cxa_rethrow", "__cxa_bad_cast", "__cxa_bad_typeid",
            "__cxa_throw_bad_array_new_length", "__cxa_call_terminate", "__cxa_pure_virtual", "_Unwind_Resume",
            "longjmp", "_longjmp", "siglongjmp", "__longjmp_chk", "__fortify_fail", "__chk_fail", "err", "errx",
            "verr", "verrx", "pthread_exit", "__libc_fatal", "error_exit", "_ZSt9terminatev",
            "__libc_start_main_impl_noreturn", "thrd_exit", "__stack_chk_fail_local");

    /** @return true when a function of this name (version suffix allowed) never returns */
    static boolean isNoReturn(String name) {
        if (name == null) {
            return false;
        }
        int at = name.indexOf('@');
        String base = at > 0 ? name.substring(0, at) : name;
        return NAMES.contains(base) || base.startsWith("_ZSt") && base.contains("__throw_");
    }
}
