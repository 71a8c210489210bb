"""Sharing lines out between workers: nothing lost, reordered or cut inside a line."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from namenorm.pipeline import MANY_LINES, _split_lines, lines


@given(
    st.lists(
        st.binary(max_size=20).map(lambda b: b.replace(b"\n", b"") + b"\n"),
        min_size=1,
        max_size=200,
    ),
    st.integers(1, 8),
)
def test_split_lines_keeps_whole_lines_in_order(lines: list[bytes], parts: int) -> None:
    batch = b"".join(lines)
    pieces = list(_split_lines(batch, len(lines), parts))
    assert b"".join(pieces) == batch
    assert all(p.endswith(b"\n") for p in pieces)
    assert len(pieces) <= parts


def _pid_lines(batch: bytes) -> bytes:
    """Each line answered with the id of the process that answered it."""
    return f"{os.getpid()}\n".encode() * batch.count(b"\n")


@pytest.mark.parametrize(("count", "in_process"), [(MANY_LINES - 1, True), (MANY_LINES, False)])
def test_only_many_lines_go_to_the_workers(count: int, in_process: bool) -> None:
    """A read of fewer than MANY_LINES lines is answered in this process (starting
    workers would cost more than it saves); MANY_LINES or more go to the workers."""
    data = [b"name\n" * count]
    out: list[bytes] = []
    lines(lambda size: data.pop() if data else b"", out.append, lambda: None, _pid_lines, 2)
    pids = set(b"".join(out).decode().split())
    assert b"".join(out).count(b"\n") == count
    assert (pids == {str(os.getpid())}) is in_process
