"""Compact read-only containers that load from the cache as a few memory copies.

A table of 100,000 entities has millions of keys and forms. As Python dicts and
tuples they take seconds to unpickle, which would be paid at every start; as a
UTF-8 blob with an offsets array (and columns of integers) they load at disk
speed, and a lookup costs a checksum and a comparison or two.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from itertools import pairwise

from namenorm._kernel import Keys, string_at


class Strings(Sequence[str]):
    """An immutable list of strings stored as one UTF-8 blob and an offsets array."""

    __slots__ = ("blob", "offsets")

    def __init__(self, blob: bytes, offsets: array[int]) -> None:
        self.blob = blob
        self.offsets = offsets

    @classmethod
    def of(cls, strings: Iterable[str]) -> Strings:
        """Pack strings, keeping their order."""
        offsets = array("Q", [0])
        parts: list[bytes] = []
        end = 0
        for text in strings:
            data = text.encode("utf-8", "surrogatepass")
            parts.append(data)
            end += len(data)
            offsets.append(end)
        return cls(b"".join(parts), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def raw(self, index: int) -> bytes:
        """The UTF-8 bytes of one string, without decoding."""
        return self.blob[self.offsets[index] : self.offsets[index + 1]]

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        # decoded in place by the kernel, negative indexes and IndexError as a list's
        return string_at(self.blob, self.offsets, index)

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self)):
            yield self[i]

    def reader(self) -> Callable[[int], str]:
        """``self[index]`` as one call into the kernel (``string_at`` bound to this
        blob), without the Python frame of ``__getitem__``: for code that reads a few
        strings per lookup."""
        return partial(string_at, self.blob, self.offsets)

    def as_list(self) -> list[str]:
        """Every string, decoded in one pass (much faster than item by item)."""
        blob, offsets = self.blob, self.offsets.tolist()
        return [blob[a:b].decode("utf-8", "surrogatepass") for a, b in pairwise(offsets)]


class KeyIndex:
    """A read-only map from strings to integers: a hash table of slots over packed keys.

    The hash is CRC-32 (stable across processes, unlike ``hash``), with linear
    probing in a power-of-two table at most half full: a lookup is one checksum and
    one or two byte comparisons.
    """

    __slots__ = ("_compiled", "keys", "mask", "slots", "values")

    def __init__(self, keys: Strings, values: array[int], slots: array[int]) -> None:
        self.keys = keys
        self.values = values
        self.slots = slots
        self.mask = len(slots) - 1
        self._compiled: Keys | None = None
        """The same arrays held by the kernel, which looks keys up several times
        faster (made at the first look-up: most indexes loaded are never asked)."""

    def __getstate__(self) -> tuple[Strings, array[int], array[int]]:
        return self.keys, self.values, self.slots

    def __setstate__(self, state: tuple[Strings, array[int], array[int]]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    @classmethod
    def of(cls, items: Iterable[tuple[str, int]]) -> KeyIndex:
        """Build from (key, value) pairs; keys must be distinct."""
        pairs = list(items)
        keys = Strings.of(k for k, _ in pairs)
        size = 8
        while size < 2 * len(pairs):
            size *= 2
        slots = array("q", [-1]) * size
        mask = size - 1
        for number in range(len(pairs)):
            slot = zlib.crc32(keys.raw(number)) & mask
            while slots[slot] >= 0:
                slot = (slot + 1) & mask
            slots[slot] = number
        return cls(keys, array("q", (v for _, v in pairs)), slots)

    def __len__(self) -> int:
        return len(self.values)

    def get(self, key: str, default: int = -1) -> int:
        """The value of ``key``, or ``default``."""
        found = (self._compiled or self.table()).get(key.encode("utf-8", "surrogatepass"))
        return default if found is None else found

    def table(self) -> Keys:
        """The kernel's copy, whose ``get`` takes a key's UTF-8 bytes and gives its
        value or None: for callers that hold bytes and look up often."""
        if self._compiled is None:
            self._compiled = Keys(self.keys.blob, self.keys.offsets, self.values, self.slots)
        return self._compiled

    def get_by_python(self, key: str, default: int = -1) -> int:
        """:meth:`get`, read in Python: the reference the kernel's look-up is tested
        against."""
        target = key.encode("utf-8", "surrogatepass")
        slots, mask, keys = self.slots, self.mask, self.keys
        slot = zlib.crc32(target) & mask
        while True:
            number = slots[slot]
            if number < 0:
                return default
            if keys.raw(number) == target:
                return int(self.values[number])
            slot = (slot + 1) & mask


def ranges(groups: Iterable[Sequence[int]]) -> tuple[array[int], array[int]]:
    """Flatten groups of integers into (starts, items): group i is items[starts[i]:starts[i+1]]."""
    starts = array("Q", [0])
    items = array("q")
    for group in groups:
        items.extend(group)
        starts.append(len(items))
    return starts, items


class Groups(Sequence[tuple[int, ...]]):
    """An immutable list of integer tuples, flattened into two arrays."""

    __slots__ = ("items", "starts")

    def __init__(self, starts: array[int], items: array[int]) -> None:
        self.starts = starts
        self.items = items

    @classmethod
    def of(cls, groups: Iterable[Sequence[int]]) -> Groups:
        """Pack groups, keeping their order."""
        starts, items = ranges(list(groups))
        return cls(starts, items)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, index: int) -> tuple[int, ...]:  # type: ignore[override]
        return tuple(self.items[self.starts[index] : self.starts[index + 1]])


class MultiMap:
    """A read-only map from strings to tuples of integers that loads as a few arrays."""

    __slots__ = ("groups", "index")

    def __init__(self, index: KeyIndex, groups: Groups) -> None:
        self.index = index
        self.groups = groups

    @classmethod
    def of(cls, mapping: Mapping[str, Sequence[int]]) -> MultiMap:
        """Pack a dict of integer lists."""
        keys = list(mapping)
        return cls(
            KeyIndex.of((k, i) for i, k in enumerate(keys)), Groups.of(mapping[k] for k in keys)
        )

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.index.get(key) >= 0

    def get(self, key: str, default: tuple[int, ...] = ()) -> tuple[int, ...]:
        """The integers of ``key``, or ``default``."""
        found = self.index.get(key)
        return self.groups[found] if found >= 0 else default

    def __getitem__(self, key: str) -> tuple[int, ...]:
        found = self.index.get(key)
        if found < 0:
            raise KeyError(key)
        return self.groups[found]

    def keys(self) -> Iterator[str]:
        """Every key, in the order they were given."""
        return iter(self.index.keys)
