package org.ykrw.core.ir;

/** Where a function start came from; a function usually has several. */
public enum DiscoverySource {
    ENTRY, SYMTAB, DYNSYM, EH_FRAME, INIT_ARRAY, PLT, CALL_TARGET, CODE_POINTER, TAIL_CALL,
    /** Found by scanning bytes no other function covers, outside every FDE, for a clean run of code. */
    GAP_SCAN
}
