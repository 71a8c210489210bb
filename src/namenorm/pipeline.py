"""Running the filter over a byte stream, on one core or on several.

A filter should never be the slow step of a pipeline. Scanning is CPU-bound and
segments cut at newlines are independent, so when input arrives faster than one
core can scan it, segments go to worker processes forked after the index is
loaded (they share it, copy-on-write) and come back in order. At most a few
segments are in flight, so memory stays flat; an interactive input (a terminal,
or a pipe that delivers a line at a time) is answered line by line in process.
"""

from __future__ import annotations

import multiprocessing
import os
import select
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from namenorm.rewrite import Scanner, Segment, Stream

READ_BYTES = 1 << 20
"""How much is read at once; also the size above which a line is cut."""

_worker_scanner: Scanner | None = None


def _rewrite_lines(data: bytes) -> bytes:
    """Worker side: rewrite complete lines (the scanner came with the fork)."""
    assert _worker_scanner is not None
    return _worker_scanner.splice(data, _worker_scanner.find(data))


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
    stream = Stream(scanner, segment_bytes=READ_BYTES, track=False)
    if jobs <= 1:
        for segment in segments(read, stream):
            write(segment.rewritten())
            flush()
        return
    global _worker_scanner
    _worker_scanner = scanner
    context = multiprocessing.get_context("fork")
    pending: deque[Future[bytes] | bytes] = deque()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        while True:
            data = read(READ_BYTES)
            if not data:
                for segment in stream.close():
                    pending.append(segment.rewritten())
                break
            data, stream.pending = stream.pending + data, b""
            cut = data.rfind(b"\n") + 1
            if len(data) < READ_BYTES // 2 or not cut or stream.before != "\n":
                # Interactive, or inside a long line: the in-process stream keeps order.
                _drain(pending, write, flush)
                for segment in stream.feed(data):
                    write(segment.rewritten())
                flush()
                continue
            pending.append(pool.submit(_rewrite_lines, data[:cut]))
            stream.pending = data[cut:]
            while len(pending) > 2 * jobs:
                _write_one(pending, write)
        _drain(pending, write, flush)


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


def _write_one(pending: deque[Future[bytes] | bytes], write: Callable[[bytes], object]) -> None:
    item = pending.popleft()
    write(item if isinstance(item, bytes) else item.result())


def _drain(
    pending: deque[Future[bytes] | bytes],
    write: Callable[[bytes], object],
    flush: Callable[[], object],
) -> None:
    while pending:
        _write_one(pending, write)
    flush()
