"""Running a command over a byte stream of lines, on one core or on several.

A filter should never be the slow step of a pipeline, nor should a batch lookup.
Both are CPU-bound and lines are independent, so when input arrives faster than
one core can handle it, batches of whole lines go to worker processes forked after
the index is loaded (they share it, copy-on-write) and come back in order. At most
a few batches are in flight, so memory stays flat; an interactive input (a
terminal, or a pipe that delivers a line at a time) is answered line by line in
process.
"""

from __future__ import annotations

import os
import select
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future

    from namenorm.rewrite import Scanner, Segment, Stream

READ_BYTES = 1 << 20
"""How much is read at once; also the size above which a line is cut."""


def decode(data: bytes) -> str:
    """UTF-8 to text, keeping every invalid byte as a lone surrogate."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    """The exact inverse of :func:`decode`."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


_worker: Callable[[bytes], bytes] | None = None
"""What a worker does to a batch of lines: set before the fork, so never pickled."""


def _work(data: bytes) -> bytes:
    assert _worker is not None
    return _worker(data)


class _Ordered:
    """Batches handed to worker processes, written back in the order they came."""

    def __init__(
        self,
        work: Callable[[bytes], bytes],
        jobs: int,
        write: Callable[[bytes], object],
        flush: Callable[[], object],
    ) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        global _worker
        _worker = work
        self.jobs = jobs
        self.write = write
        self.flush = flush
        self.pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("fork")
        )
        self.pending: deque[Future[bytes] | bytes] = deque()

    def submit(self, batch: bytes) -> None:
        """Hand a batch to a worker; write finished ones while too many are in flight."""
        self.pending.append(self.pool.submit(_work, batch))
        while len(self.pending) > 2 * self.jobs:
            self._write_one()

    def done(self, output: bytes) -> None:
        """Queue output produced in process, behind the batches still in flight."""
        self.pending.append(output)

    def drain(self) -> None:
        """Write everything in flight, in order."""
        while self.pending:
            self._write_one()
        self.flush()

    def close(self) -> None:
        """Stop the workers (after ``drain``; on an error, what is in flight is dropped)."""
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _write_one(self) -> None:
        item = self.pending.popleft()
        self.write(item if isinstance(item, bytes) else item.result())


def segments(read: Callable[[int], bytes], stream: Stream) -> Iterator[Segment]:
    """Every segment of the input, in order, as soon as it is complete."""
    while True:
        data = read(READ_BYTES)
        if not data:
            yield from stream.close()
            return
        yield from stream.feed(data)


def default_jobs() -> int:
    """Worker processes for a large input: one per core beyond the first reader, at most 4."""
    if not hasattr(os, "fork"):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cores or 1))


def rewrite(
    read: Callable[[int], bytes],
    write: Callable[[bytes], object],
    flush: Callable[[], object],
    scanner: Scanner,
    jobs: int = 1,
) -> None:
    """Copy ``read`` to ``write`` with every mention rewritten.

    With ``jobs`` > 1, full reads (a sign of bulk input) are rewritten by worker
    processes; short reads (interactive input) and very long lines stay in process,
    so the first line's output never waits for the next line.
    """
    from namenorm.rewrite import Stream  # lookups use this module, not the scanner

    stream = Stream(scanner, segment_bytes=READ_BYTES, track=False)
    if jobs <= 1:
        for segment in segments(read, stream):
            write(segment.rewritten())
            flush()
        return
    ordered = _Ordered(lambda data: scanner.splice(data, scanner.find(data)), jobs, write, flush)
    try:
        while True:
            data = read(READ_BYTES)
            if not data:
                for segment in stream.close():
                    ordered.done(segment.rewritten())
                break
            data, stream.pending = stream.pending + data, b""
            cut = data.rfind(b"\n") + 1
            if len(data) < READ_BYTES // 2 or not cut or stream.before != "\n":
                # Interactive, or inside a long line: the in-process stream keeps order.
                ordered.drain()
                for segment in stream.feed(data):
                    write(segment.rewritten())
                flush()
                continue
            ordered.submit(data[:cut])
            stream.pending = data[cut:]
        ordered.drain()
    finally:
        ordered.close()


MANY_LINES = 2_000
"""A read of fewer lines than this is answered in process: someone typing, or a batch
too small to pay for the workers. Starting two cost about 45 ms on a 2-core machine
(100 names: 0.245 s against 0.20 s in process), the time of some 700 fuzzy lookups,
and each worker meets the batch's new name parts afresh: 2,351 fuzzy lookups ran
0.04 s faster with two workers, and 938 no faster."""


def _split_lines(batch: bytes, count: int, parts: int) -> Iterator[bytes]:
    """Cut a batch of whole lines into about ``parts`` pieces of whole lines."""
    step = -(-count // parts)
    start = 0
    while start < len(batch):
        end = start
        for _ in range(step):
            end = batch.index(b"\n", end) + 1
            if end >= len(batch):
                break
        yield batch[start:end]
        start = end


def lines(
    read: Callable[[int], bytes],
    write: Callable[[bytes], object],
    flush: Callable[[], object],
    work: Callable[[bytes], bytes],
    jobs: int = 1,
    prepare: Callable[[], object] | None = None,
) -> None:
    """Copy ``read`` to ``write`` through ``work``, which maps whole lines to output.

    A last line without a newline is given to ``work`` as it is. With ``jobs`` > 1,
    a read of many lines (MANY_LINES) is shared out between worker processes
    (started, after ``prepare``, when the first such read arrives); fewer are answered
    at once in process.
    """
    ordered: _Ordered | None = None
    pending = b""
    try:
        while True:
            data = read(READ_BYTES)
            if not data:
                if pending:
                    output = work(pending)
                    if ordered is not None:
                        ordered.done(output)  # behind the batches still in flight
                    else:
                        write(output)
                break
            data = pending + data
            cut = data.rfind(b"\n") + 1
            pending = data[cut:]
            if not cut:
                continue
            batch = data[:cut]
            count = batch.count(b"\n")
            if jobs <= 1 or count < MANY_LINES:
                if ordered is not None:
                    ordered.drain()
                write(work(batch))
                flush()
                continue
            if ordered is None:
                if prepare is not None:
                    prepare()
                ordered = _Ordered(work, jobs, write, flush)
            for piece in _split_lines(batch, count, ordered.jobs):
                ordered.submit(piece)
        if ordered is not None:
            ordered.drain()
    finally:
        if ordered is not None:
            ordered.close()
    flush()


def reader(fd: int) -> Callable[[int], bytes]:
    """A read function that gathers what is already there, up to the size asked.

    A pipe hands over 64 KiB at a time; gathering until the pipe is momentarily
    empty gives large batches for bulk input and immediate answers for a person
    typing (whose line is all there is).
    """

    def read(size: int) -> bytes:
        data = os.read(fd, size)
        parts = [data]
        got = len(data)
        while data and got < size:
            ready, _, _ = select.select([fd], [], [], 0)
            if not ready:
                break
            data = os.read(fd, size - got)
            parts.append(data)
            got += len(data)
        return b"".join(parts)

    return read
