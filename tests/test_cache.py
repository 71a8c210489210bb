"""The cache of compiled data: read back when the code and data are unchanged, rebuilt
when unreadable, skipped when unwritable; never the source of a wrong answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from namenorm import cache, names


def test_compiled_data_is_built_once_then_read(cache_dir: Path) -> None:
    """The second call reads what the first built (the builder is not called again)."""
    calls: list[int] = []

    def build() -> dict[str, int]:
        calls.append(1)
        return {"built": len(calls)}

    assert cache.compiled("test-once", build) == {"built": 1}
    assert cache.compiled("test-once", build) == {"built": 1}
    assert calls == [1]
    assert list(cache_dir.glob("test-once-*.pickle"))


def test_an_unreadable_cache_is_rebuilt(cache_dir: Path) -> None:
    cache.compiled("test-broken", lambda: [1, 2])
    (path,) = cache_dir.glob("test-broken-*.pickle")
    path.write_bytes(b"not a pickle")
    assert cache.compiled("test-broken", lambda: [3]) == [3]
    assert cache.compiled("test-broken", lambda: [4]) == [3]  # and written again


def test_an_unwritable_cache_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("NAMENORM_CACHE_DIR", str(blocked / "cache"))
    assert cache.compiled("test-skip", lambda: "built") == "built"


def test_other_code_or_data_is_compiled_anew(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file name carries the digest of the package's code and data."""
    cache.compiled("test-digest", lambda: "old")
    monkeypatch.setattr(cache, "code_digest", lambda: b"other code")
    assert cache.compiled("test-digest", lambda: "new") == "new"


def test_old_versions_are_pruned(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(5):
        monkeypatch.setattr(cache, "code_digest", lambda n=n: bytes([n]) * 8)
        cache.compiled("test-prune", lambda n=n: n)
    assert len(list(cache_dir.glob("test-prune-*.pickle"))) == cache.KEEP_DATA


def test_given_names_read_back_equal_those_built(cache_dir: Path) -> None:
    """The cached name data is the data: the same groups as a fresh read of the file."""
    names.given_names.cache_clear()
    names.patronymics.cache_clear()
    try:
        cached = names.given_names()
        assert cached == names._read_given_names()
        assert names.patronymics() == names._read_patronymics()
    finally:
        names.given_names.cache_clear()
        names.patronymics.cache_clear()
