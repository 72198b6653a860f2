package org.ykrw.core.x86.decode;

import java.lang.reflect.Field;
import sun.misc.Unsafe;

/**
 * Reads capstone's native structures at raw addresses. JNA's Pointer getters and ByteBuffer views
 * each cost a JNI call; Unsafe's getters are JIT intrinsics, which is what makes reading a few million
 * cs_insn/cs_detail records cheap. Only addresses capstone handed out (and not yet freed) are read.
 */
final class NativeMemory {
    private static final Unsafe UNSAFE = load();

    private NativeMemory() {
    }

    private static Unsafe load() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static int u8(long address) {
        return UNSAFE.getByte(address) & 0xFF;
    }

    static int u16(long address) {
        return UNSAFE.getShort(address) & 0xFFFF;
    }

    static int i32(long address) {
        return UNSAFE.getInt(address);
    }

    static long i64(long address) {
        return UNSAFE.getLong(address);
    }

    static void copy(long address, byte[] dest, int length) {
        UNSAFE.copyMemory(null, address, dest, Unsafe.ARRAY_BYTE_BASE_OFFSET, length);
    }
}
