"""Sharing lines out between workers: nothing lost, reordered or cut inside a line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from namenorm.pipeline import _split_lines


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
