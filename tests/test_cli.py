"""The real ``namenorm`` command: output contracts, exit codes, errors, streaming."""

from __future__ import annotations

import json
import os
import select
import stat
import subprocess
import time
from pathlib import Path

import pytest
from conftest import TINY, command, run

T = ["--table", str(TINY)]


def test_lookup_one_line_out_per_line_in() -> None:
    names = "Alexander Lukashenko\n  Гродно  \n\nnobody\nLukashenko\n"
    result = run(["lookup", *T], names.encode())
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.decode().splitlines()]
    assert len(rows) == 5
    assert rows[0][:4] == [
        "Alexander Lukashenko",
        "alyaksandr-lukashenka",
        "Alyaksandr Lukashenka",
        "1.000",
    ]
    assert rows[1][:3] == ["Гродно", "hrodna", "Hrodna"]  # input trimmed
    assert rows[2][:2] == ["", ""]
    assert rows[3][:2] == ["nobody", ""]
    assert rows[4][1] == "" and "ambiguous" in rows[4][4]


def test_lookup_json() -> None:
    result = run(["lookup", *T, "--json"], b"Svetlana Tikhanovskaya\n")
    record = json.loads(result.stdout)
    assert record["match"]["id"] == "svyatlana-tsikhanouskaya"
    assert record["match"]["rule"] == "listed"


def test_filter_is_byte_for_byte_outside_mentions() -> None:
    data = (
        b"Grodno\r\n\x00bad \xff\xfe utf-8 \xe2\x82 Alexander Lukashenko's\n"
        + "Минск, ё, 🙂\nno final newline Grodno".encode()
    )
    result = run(["filter", *T], data)
    assert result.returncode == 0
    expected = data.replace(b"Grodno", b"Hrodna").replace(
        b"Alexander Lukashenko", b"Alyaksandr Lukashenka"
    )
    assert result.stdout == expected


def test_filter_mentions_json_lines() -> None:
    result = run(["filter", *T, "--mentions"], "x\nЁж Grodno and Минск\n".encode())
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["column"], r["text"], r["id"]) for r in records] == [
        (2, 4, "Grodno", "hrodna"),
        (2, 15, "Минск", "minsk"),
    ]
    assert records[0]["replacement"] == "Hrodna"
    assert records[1]["replacement"] is None
    assert records[0]["start"] == 3 and records[0]["end"] == 9


def test_filter_style_and_to_id() -> None:
    text = b"Svyatlana Tsikhanouskaya\n"
    styled = run(["filter", *T, "--style", "russian-based"], text)
    assert styled.stdout == b"Svetlana Tikhanovskaya\n"
    ids = run(["filter", *T, "--to", "id"], text)
    assert ids.stdout == b"svyatlana-tsikhanouskaya\n"


def test_filter_answers_each_line_before_the_next_arrives() -> None:
    proc = subprocess.Popen(
        [*command(), "filter", *T], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for line, expected in [
            (b"Grodno one\n", b"Hrodna one\n"),
            (b"two Grodno\n", b"two Hrodna\n"),
        ]:
            proc.stdin.write(line)
            proc.stdin.flush()
            deadline = time.monotonic() + 60
            got = b""
            while not got.endswith(b"\n") and time.monotonic() < deadline:
                ready, _, _ = select.select([proc.stdout], [], [], 1)
                if ready:
                    got += os.read(proc.stdout.fileno(), 1024)
            assert got == expected
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def test_filter_into_closed_pipe_is_quiet() -> None:
    big = b"Grodno line\n" * 200_000
    result = subprocess.run(
        f"{' '.join(command())} filter --table {TINY} | head -1",
        shell=True,
        input=big,
        capture_output=True,
        timeout=120,
    )
    assert result.stdout == b"Hrodna line\n"
    assert result.stderr == b""


def test_check_reports_path_line_column(tmp_path: Path) -> None:
    doc = tmp_path / "story.md"
    doc.write_text("Intro.\nЁж, Svetlana Tikhanovskaya met Lukа\u200bshenko.\n", encoding="utf-8")
    result = run(["check", *T, str(doc)])
    assert result.returncode == 1
    lines = result.stdout.decode().splitlines()
    assert lines[0] == (
        f"{doc}:2:5: found 'Svetlana Tikhanovskaya', house style "
        "'Svyatlana Tsikhanouskaya' (svyatlana-tsikhanouskaya)"
    )
    assert lines[1].startswith(f"{doc}:2:32: found 'Lukа<U+200B>shenko' (hidden: ")
    assert "ZERO WIDTH SPACE" in lines[1] and "CYRILLIC SMALL LETTER A" in lines[1]


def test_check_names_the_namesakes_a_shared_surname_stands_for(tmp_path: Path) -> None:
    """A surname two entities share is rewritten (they write it alike); the finding
    says whose it may be rather than an empty id."""
    doc = tmp_path / "story.md"
    doc.write_text("Lukashenko spoke.\n", encoding="utf-8")
    result = run(["check", *T, str(doc)])
    assert result.stdout.decode() == (
        f"{doc}:1:1: found 'Lukashenko', house style 'Lukashenka' "
        "(one of alyaksandr-lukashenka, viktar-lukashenka)\n"
    )


def test_mentions_of_a_full_name_in_a_case_form() -> None:
    """Running text declines names: the given name in the same case tells the
    namesakes apart, and the case form is still left as written."""
    text = "З Аляксандрам Лукашэнкам і Лукашэнкам.\n".encode()
    result = run(["filter", *T, "--mentions"], stdin=text)
    found = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(m["text"], m["id"], m["rule"]) for m in found] == [
        ("Аляксандрам Лукашэнкам", "alyaksandr-lukashenka", "inflected-name"),
        ("Лукашэнкам", None, "inflected"),
    ]
    assert found[0]["column"] == 3 and found[0]["replacement"] is None
    assert run(["filter", *T], stdin=text).stdout == text


def test_check_clean_file_exits_zero(tmp_path: Path) -> None:
    doc = tmp_path / "ok.txt"
    doc.write_text("Svyatlana Tsikhanouskaya in Hrodna and Минск.\n", encoding="utf-8")
    result = run(["check", *T, str(doc)])
    assert (result.returncode, result.stdout) == (0, b"")


def test_check_missing_file_is_reported_and_gives_2(tmp_path: Path) -> None:
    doc = tmp_path / "ok.txt"
    doc.write_text("Grodno\n", encoding="utf-8")
    result = run(["check", *T, str(tmp_path / "absent.txt"), str(doc)])
    assert result.returncode == 2
    assert result.stderr.decode().strip().endswith("absent.txt: No such file or directory")
    assert b"found 'Grodno'" in result.stdout  # the other file is still checked


def test_check_fix_rewrites_atomically_and_keeps_mode(tmp_path: Path) -> None:
    doc = tmp_path / "story.txt"
    doc.write_bytes(b"Grodno\r\n\xff raw Grodno")
    doc.chmod(0o640)
    result = run(["check", *T, "--fix", str(doc)])
    assert result.returncode == 1
    assert doc.read_bytes() == b"Hrodna\r\n\xff raw Hrodna"
    assert stat.S_IMODE(doc.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.txt"]
    again = run(["check", *T, str(doc)])
    assert again.returncode == 0


def test_check_stdin_and_formats() -> None:
    text = b"Grodno\n"
    plain = run(["check", *T, "-", "--stdin-filename", "a.md"], text)
    assert plain.stdout == b"a.md:1:1: found 'Grodno', house style 'Hrodna' (hrodna)\n"
    js = json.loads(run(["check", *T, "--format", "json", "-"], text).stdout)
    assert (js["line"], js["column"], js["replacement"]) == (1, 1, "Hrodna")
    gh = run(["check", *T, "--format", "github", "-"], text).stdout.decode()
    assert gh.startswith("::warning file=<stdin>,line=1,col=1,")
    fixed = run(["check", *T, "--fix", "-"], text)
    assert fixed.stdout == b"Hrodna\n" and b"found 'Grodno'" in fixed.stderr


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ("entities:\n  - id: a\n    canonical: A\n    names: [NO]\n", ":4: entity 'a':"),
        ("entities: [\n", "malformed YAML"),
    ],
)
def test_bad_table_is_one_line_exit_2_no_traceback(tmp_path: Path, table: str, words: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(table, encoding="utf-8")
    for args in (["lookup"], ["filter"], ["check", "-"]):
        result = run([*args, "--table", str(path)], b"Grodno\n")
        err = result.stderr.decode()
        assert result.returncode == 2
        assert result.stdout == b""
        assert err.count("\n") == 1 and words in err and "Traceback" not in err


def test_unknown_style_and_missing_table() -> None:
    style = run(["filter", *T, "--style", "tass"], b"x")
    assert style.returncode == 2
    assert style.stderr == b"namenorm: unknown style 'tass' (known: russian-based)\n"
    missing = run(["lookup", "--table", "/nonexistent.yaml"], b"x")
    assert missing.returncode == 2
    assert missing.stderr == b"namenorm: /nonexistent.yaml: no such table file\n"


def test_cached_index_gives_the_same_answers(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = run(["lookup", *T], b"Grodno\n", cache=cache)
    assert list(cache.glob("index-*.pickle"))
    second = run(["lookup", *T], b"Grodno\n", cache=cache)
    assert first.stdout == second.stdout and b"hrodna" in second.stdout


def test_bundled_table_by_default() -> None:
    result = run(["filter"], b"Svetlana Tikhanovskaya met Lukashenko in Kiev.\n")
    assert result.stdout == b"Svyatlana Tsikhanouskaya met Lukashenka in Kyiv.\n"


def test_lookup_in_parallel_answers_like_one_process() -> None:
    names = ["Alexander Lukashenko", "nobody", "Гродно", "Lukashenko", "Tikhanovskaya S."]
    batch = ("\n".join(names * 40_000) + "\n").encode()  # bulk: goes to the workers
    one = run(["lookup", *T, "-j", "1"], batch)
    two = run(["lookup", *T, "-j", "2"], batch)
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout
    assert one.stdout.count(b"\n") == len(names) * 40_000


def test_lookup_last_line_without_newline() -> None:
    result = run(["lookup", *T], b"nobody\nGrodno")
    assert [line.split("\t")[1] for line in result.stdout.decode().splitlines()] == ["", "hrodna"]


def test_cache_keeps_the_newest_indexes_only(tmp_path: Path) -> None:
    from namenorm.index import prune

    for i in range(5):
        for suffix in ("pickle", "keys", "patterns"):
            path = tmp_path / f"index-{i}.{suffix}"
            path.write_bytes(b"x")
            os.utime(path, (1000 + i, 1000 + i))
    prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index-3.keys",
        "index-3.patterns",
        "index-3.pickle",
        "index-4.keys",
        "index-4.patterns",
        "index-4.pickle",
    ]


def test_check_walks_folders_for_text_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "story.md").write_text("Grodno\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Hrodna and Grodno\n", encoding="utf-8")
    (tmp_path / "image.bin").write_bytes(b"\x00Grodno")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("Grodno\n", encoding="utf-8")
    result = run(["check", *T, str(tmp_path)])
    assert result.returncode == 1
    assert result.stdout.decode().splitlines() == [
        f"{tmp_path}/b.txt:1:12: found 'Grodno', house style 'Hrodna' (hrodna)",
        f"{tmp_path}/a/story.md:1:1: found 'Grodno', house style 'Hrodna' (hrodna)",
    ]
