package org.ykrw.core.cfg;

import com.carrotsearch.hppc.LongObjectHashMap;
import java.util.Map;
import org.ykrw.core.elf.ElfFile;

/** Reads jump-table entries as the loader will see them (applying relocations of absolute entries). */
final class TableReader {
    private final ElfFile elf;
    /** slot address -> the value a relocation puts there; on primitive keys, asked once per table slot read */
    private final LongObjectHashMap<Long> relocatedSlots;

    TableReader(ElfFile elf) {
        this.elf = elf;
        Map<Long, Long> relocated = elf.relativeCodePointers();
        this.relocatedSlots = new LongObjectHashMap<>(relocated.size());
        relocated.forEach(relocatedSlots::put);
    }

    /** @return true when [address, address+size) is file-backed and not executable (tables live in data) */
    boolean isReadable(long address, int size) {
        if (elf.isExecutableAddress(address) || elf.isExecutableAddress(address + size - 1)) {
            return false;  // gcc and clang keep tables in .rodata; "entries" read from code are not a table
        }
        long off = elf.fileOffset(address);
        long endOff = elf.fileOffset(address + size - 1);
        return off >= 0 && endOff == off + size - 1;
    }

    /** @return the signed 32-bit entry at {@code address} */
    long relativeEntry(long address) {
        return elf.readI32(address);
    }

    /** @return the 64-bit absolute entry at {@code address}, relocated when a relocation sets that slot */
    long absoluteEntry(long address) {
        Long relocated = relocatedSlots.get(address);
        return relocated != null ? relocated : elf.readU64(address);
    }
}
