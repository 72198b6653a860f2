package org.ykrw.coverage;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.ykrw.core.blockmap.BlockMap;
import org.ykrw.core.blockmap.BlockMap.MappedBlock;
import org.ykrw.core.blockmap.BlockMap.MappedFunction;

/**
 * Writes coverage as a drcov file (DynamoRIO's format, read by Lighthouse, bncov and Cutter's
 * plugins): version 2, flavor drcov-64, module table version 2 with one module, then one 8-byte
 * record per covered block: u32 offset from the module base, u16 size, u16 module id.
 */
public final class DrcovWriter {
    /** The one module's id. */
    static final int MODULE_ID = 0;

    private DrcovWriter() {
    }

    /**
     * @param data the coverage (counts are not part of drcov: a block is listed once if it ran)
     * @param module the binary and where it was loaded
     * @return the file's bytes
     */
    public static byte[] write(CoverageData data, DrcovModule module) {
        List<MappedBlock> covered = new ArrayList<>();
        for (MappedFunction f : data.map().functions()) {
            for (MappedBlock b : f.blocks()) {
                if (data.isCovered(b)) {
                    covered.add(b);
                }
            }
        }
        StringBuilder header = new StringBuilder();
        header.append("DRCOV VERSION: 2\n");
        header.append("DRCOV FLAVOR: drcov-64\n");
        header.append("Module Table: version 2, count 1\n");
        header.append("Columns: id, base, end, entry, path\n");
        header.append(String.format("%2d, 0x%016x, 0x%016x, 0x%016x, %s%n", MODULE_ID, module.base(), module.end(),
                module.entry(), module.path()));
        header.append("BB Table: ").append(covered.size()).append(" bbs\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream(header.length() + covered.size() * 8);
        out.writeBytes(header.toString().getBytes(StandardCharsets.UTF_8));
        ByteBuffer rec = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (MappedBlock b : covered) {
            long offset = b.address() - module.linkBase();
            if (offset < 0 || offset > 0xFFFF_FFFFL) {
                throw new IllegalStateException(String.format("block 0x%x is outside the module at 0x%x", b.address(),
                        module.linkBase()));
            }
            rec.clear();
            rec.putInt((int) offset);
            // A block longer than 64 KiB cannot be said in drcov's u16; the start is what tools key on.
            rec.putShort((short) Math.min(b.size(), 0xFFFF));
            rec.putShort((short) MODULE_ID);
            out.write(rec.array(), 0, 8);
        }
        return out.toByteArray();
    }
}
