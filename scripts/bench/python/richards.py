"""Richards: an operating-system task scheduler simulation (Martin Richards' benchmark), written
small for the python3.11 layout benchmark. Argument: iterations. Prints the counts it checks."""
import sys

IDLE, WORKER, HANDLER_A, HANDLER_B, DEVICE_A, DEVICE_B = range(6)
KIND_DEVICE, KIND_WORK = 0, 1
BUFFER_SIZE = 4


class Packet:
    def __init__(self, link, ident, kind):
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * BUFFER_SIZE

    def append_to(self, queue):
        self.link = None
        if queue is None:
            return self
        p = queue
        while p.link is not None:
            p = p.link
        p.link = self
        return queue


class Task:
    def __init__(self, sched, ident, priority, queue, state, fn, data):
        self.sched = sched
        self.ident = ident
        self.priority = priority
        self.queue = queue
        self.fn = fn
        self.data = data
        self.packet_pending = state[0]
        self.waiting = state[1]
        self.held = state[2]
        self.link = sched.tasks
        sched.tasks = self
        sched.table[ident] = self

    def held_or_waiting(self):
        return self.held or (not self.packet_pending and self.waiting)

    def add_packet(self, packet, old):
        if self.queue is None:
            self.queue = packet
            self.packet_pending = True
            if self.priority > old.priority:
                return self
        else:
            self.queue = packet.append_to(self.queue)
        return old

    def run(self):
        if self.waiting and self.queue is not None:
            packet = self.queue
            self.queue = packet.link
            self.packet_pending = self.queue is not None
            self.waiting = False
        else:
            packet = None
        return self.fn(self, packet)


class Scheduler:
    def __init__(self):
        self.tasks = None
        self.table = [None] * 6
        self.current = None
        self.queue_count = 0
        self.hold_count = 0

    def find(self, ident):
        return self.table[ident]

    def hold(self):
        self.hold_count += 1
        self.current.held = True
        return self.current.link

    def release(self, ident):
        t = self.find(ident)
        t.held = False
        return t if t.priority > self.current.priority else self.current

    def wait(self):
        self.current.waiting = True
        return self.current

    def queue(self, packet):
        t = self.find(packet.ident)
        self.queue_count += 1
        packet.link = None
        packet.ident = self.current.ident
        return t.add_packet(packet, self.current)

    def schedule(self):
        self.current = self.tasks
        while self.current is not None:
            if self.current.held_or_waiting():
                self.current = self.current.link
            else:
                self.current = self.current.run()


def idle_fn(task, packet):
    d = task.data
    d[1] -= 1
    if d[1] == 0:
        return task.sched.hold()
    if d[0] & 1 == 0:
        d[0] >>= 1
        return task.sched.release(DEVICE_A)
    d[0] = (d[0] >> 1) ^ 0xD008
    return task.sched.release(DEVICE_B)


def worker_fn(task, packet):
    if packet is None:
        return task.sched.wait()
    d = task.data
    d[0] = HANDLER_B if d[0] == HANDLER_A else HANDLER_A
    packet.ident = d[0]
    packet.datum = 0
    for i in range(BUFFER_SIZE):
        d[1] += 1
        if d[1] > 26:
            d[1] = 1
        packet.data[i] = ord("A") + d[1] - 1
    return task.sched.queue(packet)


def handler_fn(task, packet):
    d = task.data   # [work queue, device queue]
    if packet is not None:
        if packet.kind == KIND_WORK:
            d[0] = packet.append_to(d[0])
        else:
            d[1] = packet.append_to(d[1])
    if d[0] is not None:
        work = d[0]
        count = work.datum
        if count < BUFFER_SIZE:
            if d[1] is not None:
                dev = d[1]
                d[1] = dev.link
                dev.datum = work.data[count]
                work.datum = count + 1
                return task.sched.queue(dev)
        else:
            d[0] = work.link
            return task.sched.queue(work)
    return task.sched.wait()


def device_fn(task, packet):
    d = task.data
    if packet is None:
        if d[0] is None:
            return task.sched.wait()
        p = d[0]
        d[0] = None
        return task.sched.queue(p)
    d[0] = packet
    return task.sched.hold()


def richards():
    s = Scheduler()
    Task(s, IDLE, 0, None, (False, False, False), idle_fn, [1, 10000])
    wq = Packet(None, 0, KIND_WORK)
    wq = Packet(wq, 0, KIND_WORK)
    Task(s, WORKER, 1000, wq, (True, True, False), worker_fn, [HANDLER_A, 0])
    for ident, prio in ((HANDLER_A, 2000), (HANDLER_B, 3000)):
        wq = Packet(None, ident + 2, KIND_DEVICE)
        wq = Packet(wq, ident + 2, KIND_DEVICE)
        wq = Packet(wq, ident + 2, KIND_DEVICE)
        Task(s, ident, prio, wq, (True, True, False), handler_fn, [None, None])
    Task(s, DEVICE_A, 4000, None, (False, True, False), device_fn, [None])
    Task(s, DEVICE_B, 5000, None, (False, True, False), device_fn, [None])
    s.schedule()
    return s.queue_count, s.hold_count


if __name__ == "__main__":
    for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 10):
        result = richards()
    print("richards", result)
