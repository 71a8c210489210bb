"""The ``namenorm`` command: argument parsing and I/O around the library, nothing more.

Every user error (a bad table, a missing file, an unknown style) is one line on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from namenorm import __version__, pipeline
from namenorm.pipeline import decode, encode
from namenorm.resolver import Resolution, Resolver
from namenorm.score import THRESHOLD, Match, written
from namenorm.table import TableError

if TYPE_CHECKING:  # each command imports what it alone uses
    from namenorm.rewrite import Scanner

EXIT_FINDINGS = 1
EXIT_ERROR = 2
YOUNG_OBJECTS = 50_000
"""Allocations between two collections of young objects (Python's default: 700).

A command is a batch whose objects are caches and answers without cycles to
speak of; collecting every 700 allocations walked them again and again, a
twentieth of a fuzzy lookup's time. Memory stays bounded: the caches are."""


class UsageError(Exception):
    """A user error to report in one line."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (TableError, UsageError) as exc:
        return _fail(str(exc))
    except BrokenPipeError:
        # The reader went away (`| head -1`): stop quietly, like cat does.
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        return 130


def _fail(message: str) -> int:
    print(f"namenorm: {message}", file=sys.stderr)
    return EXIT_ERROR


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--table",
        "-t",
        action="append",
        metavar="T",
        default=[],
        help="variant table (YAML); repeat to layer tables, later ones on top "
        "(default: the bundled table)",
    )
    common.add_argument(
        "--allow-conflicts",
        action="store_true",
        help="keep a spelling listed under two entities as ambiguous instead of failing",
    )
    common.add_argument(
        "--no-cache",
        action="store_true",
        help="compile the tables afresh instead of reading the cached index",
    )

    scored = argparse.ArgumentParser(add_help=False)
    scored.add_argument(
        "--threshold",
        type=_threshold,
        metavar="X",
        help=f"lowest score a fuzzy match may have, 0..1 (default {THRESHOLD})",
    )

    styled = argparse.ArgumentParser(add_help=False)
    styled.add_argument(
        "--style",
        metavar="NAME",
        help="write another outlet's spelling where the table gives one (e.g. russian-based)",
    )

    parser = argparse.ArgumentParser(
        prog="namenorm",
        description="One person, twenty spellings: resolve names to one ID and one house spelling.",
    )
    parser.add_argument("--version", action="version", version=f"namenorm {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lookup = commands.add_parser(
        "lookup",
        parents=[common, scored],
        help="resolve names, one per line on stdin",
        description="Resolve one name per line of stdin. Output, one line per input line: "
        "input TAB id TAB canonical TAB score TAB explanation (empty id: no match).",
    )
    lookup.add_argument("--json", action="store_true", help="write JSON lines instead")
    lookup.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="worker processes for bulk input (default: one per core, up to 4; 1 = none)",
    )
    lookup.add_argument(
        "--all",
        action="store_true",
        help="also list every other entity scoring at or above the threshold, as extra "
        "TAB columns id=score (in --json: an 'others' list)",
    )
    lookup.set_defaults(run=_lookup)

    explain = commands.add_parser(
        "explain",
        parents=[common, scored],
        help="show how one name resolves: aligned parts, costs, rules, near misses",
        description="Resolve one name and explain it at length: which parts aligned with "
        "which, at what similarity and by which rule, what was left over, and the best "
        "candidates that lost, with why.",
    )
    explain.add_argument("name", nargs="+", metavar="NAME", help="the name (words are joined)")
    explain.set_defaults(run=_explain)

    filt = commands.add_parser(
        "filter",
        parents=[common, styled],
        help="rewrite names in text from stdin",
        description="Copy stdin to stdout with every mention in the house spelling; "
        "everything else byte for byte.",
    )
    filt.add_argument(
        "--to",
        choices=("canonical", "id"),
        default="canonical",
        help="rewrite mentions to the house spelling (default) or the entity id",
    )
    filt.add_argument(
        "--mentions",
        action="store_true",
        help="write the mentions found as JSON lines instead of the text",
    )
    filt.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="worker processes for bulk input (default: one per core, up to 4; 1 = none)",
    )
    filt.set_defaults(run=_filter)

    check = commands.add_parser(
        "check",
        parents=[common, styled],
        help="lint files against house style",
        description="Report every spelling that departs from house style as "
        "path:line:col: message. Exit 0 clean, 1 findings, 2 error.",
    )
    check.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files or folders (walked for text files) to check; - for stdin",
    )
    check.add_argument("--fix", action="store_true", help="rewrite the files in place (atomically)")
    check.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="findings as path:line:col text (default), JSON lines, or GitHub Actions annotations",
    )
    check.add_argument(
        "--stdin-filename",
        metavar="NAME",
        default="<stdin>",
        help="the name to report for - (editors pass the buffer's path)",
    )
    check.set_defaults(run=_check)
    return parser


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {text!r}")
    return value


def _resolver(args: argparse.Namespace) -> Resolver:
    resolver = Resolver.from_tables(
        args.table or None, allow_conflicts=args.allow_conflicts, use_cache=not args.no_cache
    )
    threshold = getattr(args, "threshold", None)
    if threshold is not None:
        resolver.threshold = threshold
    return resolver


def _scanner(resolver: Resolver, args: argparse.Namespace, to: str = "canonical") -> Scanner:
    try:
        return resolver.scanner(args.style, "id" if to == "id" else "canonical")
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _lookup(args: argparse.Namespace) -> int:
    resolver = _resolver(args)
    every = bool(args.all)

    def answer(batch: bytes) -> bytes:
        lines = batch.split(b"\n")[: -1 if batch.endswith(b"\n") else None]
        names = [decode(raw).strip() for raw in lines]
        found = iter(resolver.resolve_many([n for n in names if n], every=every))
        out: list[str] = []
        for name in names:
            result = next(found) if name else Resolution(name, None)
            out.append(_json_line(result) if args.json else _tsv_line(result, every))
        return encode("".join(out))

    jobs = args.jobs if args.jobs is not None else pipeline.default_jobs()
    out = sys.stdout.buffer
    read = pipeline.reader(sys.stdin.buffer.fileno())
    # Everything a lookup needs is loaded before the first name is read, not halfway
    # through a batch; workers fork afterwards and share it.
    resolver.prepare()
    pipeline.lines(read, out.write, out.flush, answer, jobs)
    return 0


def _tsv_line(result: Resolution, every: bool = False) -> str:
    name = result.query.replace("\t", " ")
    m = result.match
    others = _scores(result.others) if every else ""
    if m is not None:
        score = written(m.score, ".3f")
        return f"{name}\t{m.id}\t{m.canonical}\t{score}\t{m.explain()}{others}\n"
    if result.ambiguous:
        ids = ", ".join(a.id for a in result.ambiguous)
        if every:
            top = result.ambiguous[0]
            others = _scores((top, *result.others))
        return f"{name}\t\t\t0\tambiguous: {ids}{others}\n"
    return f"{name}\t\t\t0\t{others}\n"


def _scores(matches: Iterable[Match]) -> str:
    """The extra columns of --all: TAB id=score per match (no format spec in the
    f-string: see score.written())."""
    return "".join(f"\t{m.id}={written(m.score, '.3f')}" for m in matches)


def _explain(args: argparse.Namespace) -> int:
    resolver = _resolver(args)
    name = " ".join(args.name).strip()
    if not name:
        raise UsageError("explain: the name is empty")
    result = resolver.resolve(name, every=True)
    sys.stdout.write(result.report(resolver.threshold))
    sys.stdout.flush()
    return 0


def _json_line(result: Resolution) -> str:
    return json.dumps(result.as_dict(), ensure_ascii=False) + "\n"


def _filter(args: argparse.Namespace) -> int:
    from namenorm.rewrite import Stream, positions

    scanner = _scanner(_resolver(args), args, args.to)
    read = pipeline.reader(sys.stdin.buffer.fileno())
    out = sys.stdout.buffer
    if not args.mentions:
        jobs = args.jobs if args.jobs is not None else pipeline.default_jobs()
        pipeline.rewrite(read, out.write, out.flush, scanner, jobs=jobs)
        return 0
    offset = 0
    for segment in pipeline.segments(read, Stream(scanner)):
        for line, column, m in positions(segment):
            start = column - 1
            record = {
                "line": line,
                "column": column,
                "offset": offset + m.start,
                **m.as_dict(),
                "start": start,
                "end": start + len(m.text),
            }
            out.write(encode(json.dumps(record, ensure_ascii=False) + "\n"))
        offset += len(segment.text)
        out.flush()
    return 0


def _check(args: argparse.Namespace) -> int:
    from namenorm.style import check_file, check_stream

    scanner = _scanner(_resolver(args), args)
    status = 0
    for name in expand(args.paths):
        # Fixing stdin writes the fixed text to stdout, so its findings go to stderr.
        report = sys.stderr if name == "-" and args.fix else sys.stdout
        try:
            if name == "-":
                sink = sys.stdout.buffer if args.fix else None
                found = list(check_stream(sys.stdin.buffer, scanner, args.stdin_filename, sink))
            else:
                found = check_file(Path(name), scanner, fix=args.fix)
        except OSError as exc:
            print(f"namenorm: {name}: {exc.strerror or exc}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        for finding in found:
            report.write(finding.format(args.format) + "\n")
        if found and status == 0:
            status = EXIT_FINDINGS
    sys.stdout.flush()
    return status


def expand(paths: Sequence[str]) -> Iterator[str]:
    """The paths to check: files as given, directories walked for their text files.

    Hidden files and folders (.git) are skipped, and so are files whose first block
    holds a NUL byte (binary files have no house style).
    """
    for name in paths:
        if name == "-" or not Path(name).is_dir():
            yield name
            continue
        for folder, dirs, files in os.walk(name):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for file in sorted(files):
                path = os.path.join(folder, file)
                if not file.startswith(".") and not _binary(path):
                    yield path


def _binary(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return b"\0" in f.read(8192)
    except OSError:
        return False  # let the check report it


def run() -> NoReturn:
    """Entry point for the console script and ``python -m namenorm``.

    Exits without tearing down the interpreter: freeing a large index object by
    object takes longer than loading it, and the process is ending anyway. Collects
    young objects less often (see YOUNG_OBJECTS): the process is the command's own.
    """
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
    status = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
