package org.ykrw.core.emit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ykrw.core.elf.ElfFile;
import org.ykrw.core.elf.Segment;

/**
 * Segments reserved with a handle get their address at once, in reservation order, whatever order they
 * are filled in; the builder refuses what would make an address unknowable or leave a hole.
 */
class SegmentHandleTest {
    private static final long PAGE = 0x1000;
    private static final int RW = Segment.PF_R | Segment.PF_W;

    private static ElfFile input() throws Exception {
        return ElfFile.read(Path.of("/bin/true"));
    }

    private static List<Segment> loads(byte[] output) {
        return ElfFile.parse(output, "out").segments().stream().filter(Segment::isLoad).toList();
    }

    @Test
    void reservedSegmentsKeepTheirAddressesWhenFilledOutOfOrder() throws Exception {
        ElfImageBuilder b = new ElfImageBuilder(input());
        ElfImageBuilder.SegmentHandle first = b.reserveSegment(".a", RW);
        assertThrows(IllegalStateException.class, () -> b.reserveSegment(".b", RW), "next address not known yet");
        first.size(3 * PAGE + 1);
        ElfImageBuilder.SegmentHandle second = b.reserveSegment(".b", RW, 16);
        assertEquals(first.address() + 4 * PAGE, second.address(), "page-aligned after the first's size");
        assertThrows(IllegalStateException.class, b::build, "a reservation is not filled");
        second.fill(new byte[] {1, 2});
        first.fill(new byte[] {3});
        List<Segment> loads = loads(b.build());
        Segment a = loads.stream().filter(s -> s.vaddr() == first.address()).findFirst().orElseThrow();
        Segment c = loads.stream().filter(s -> s.vaddr() == second.address()).findFirst().orElseThrow();
        assertEquals(1, a.filesz());
        assertEquals(3 * PAGE + 1, a.memsz());
        assertEquals(2, c.filesz());
        assertEquals(16, c.memsz());
    }

    @Test
    void anUnsizedReservationTakesItsContentsLength() throws Exception {
        ElfImageBuilder b = new ElfImageBuilder(input());
        ElfImageBuilder.SegmentHandle h = b.reserveSegment(".a", RW);
        h.fill(new byte[(int) PAGE + 8]);
        assertEquals(h.address() + 2 * PAGE, b.addSegment(".b", RW, new byte[1], 1));
        assertThrows(IllegalStateException.class, () -> h.fill(new byte[1]), "filled twice");
        assertThrows(IllegalArgumentException.class,
                () -> b.reserveSegment(".c", RW, 4).fill(new byte[5]), "contents larger than the size");
    }

    @Test
    void releasingTheLastReservationGivesItsAddressToTheNext() throws Exception {
        ElfImageBuilder b = new ElfImageBuilder(input());
        ElfImageBuilder.SegmentHandle kept = b.reserveSegment(".a", RW, 8);
        ElfImageBuilder.SegmentHandle dropped = b.reserveSegment(null, Segment.PF_R);
        assertThrows(IllegalStateException.class, kept::release, "not the last reservation");
        dropped.release();
        ElfImageBuilder.SegmentHandle next = b.reserveSegment(".c", RW, 8);
        assertEquals(dropped.address(), next.address());
        kept.fill(new byte[8]);
        next.fill(new byte[8]);
        assertEquals(3, loads(b.build()).stream().filter(s -> s.vaddr() >= kept.address()).count(),
                "the two filled segments and the program header table's");
    }
}
