"""The fuzzy side of the command line: `explain`, `lookup --all` and `--threshold`."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import TINY, run


def test_explain_shows_parts_and_near_misses(tmp_path: Path) -> None:
    done = run(["explain", "--table", str(TINY), "Viktor", "Lukaschenko"], cache=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert "match: viktar-lukashenka" in out
    assert "lukaschenko ~ lukashenko" in out
    assert "near misses" in out
    assert "alyaksandr-lukashenka" in out and "contradicting parts viktor≠alex" in out


def test_explain_without_a_match(tmp_path: Path) -> None:
    done = run(["explain", "--table", str(TINY), "--no-cache", "Ivan Petrov"], cache=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no match" in done.stdout.decode()


def test_lookup_all_appends_other_candidates(tmp_path: Path) -> None:
    args = ["lookup", "--table", str(TINY), "--all", "--threshold", "0.2"]
    done = run(args, b"Viktor Lukaschenko\n", cache=tmp_path)
    assert done.returncode == 0, done.stderr
    cols = done.stdout.decode().rstrip("\n").split("\t")
    assert cols[1] == "viktar-lukashenka"
    assert any(c.startswith("alyaksandr-lukashenka=") for c in cols[5:])


def test_lookup_all_json_lists_others(tmp_path: Path) -> None:
    args = ["lookup", "--table", str(TINY), "--all", "--json", "--threshold", "0.2"]
    done = run(args, b"Viktor Lukaschenko\n", cache=tmp_path)
    record = json.loads(done.stdout)
    assert record["match"]["rule"] == "fuzzy"
    assert record["match"]["pairs"]
    assert any(o["id"] == "alyaksandr-lukashenka" for o in record["others"])


def test_threshold_one_keeps_exact_keys_only(tmp_path: Path) -> None:
    args = ["lookup", "--table", str(TINY), "--threshold", "1"]
    done = run(args, b"Viktor Lukaschenko\nViktor Lukashenko\n", cache=tmp_path)
    lines = done.stdout.decode().splitlines()
    assert lines[0].split("\t")[1] == ""
    assert lines[1].split("\t")[1] == "viktar-lukashenka"


def test_bad_threshold_is_a_usage_error(tmp_path: Path) -> None:
    done = run(["lookup", "--threshold", "2"], b"", cache=tmp_path)
    assert done.returncode == 2
    assert b"between 0 and 1" in done.stderr
