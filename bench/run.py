#!/usr/bin/env python3
"""namenorm's benchmark: whole-process and in-process figures against anchors in the same run.

Built on the shared benchmark kit (a sibling ``shared/bench`` folder, or
--kit): its generator makes the tables and the 20 MB corpus, its bench_replace.py
measures the best matcher library. Every figure is a median over interleaved
rounds (namenorm, then its anchor, then namenorm again...), because the machines
are shared and noisy; ratios compare medians of the same run.

    python3 bench/run.py                      # everything (about 10 minutes once data exist)
    python3 bench/run.py --sizes 10000 --runs 3 --skip-anchor

Results: a Markdown summary on stdout and JSON in $NAMENORM_BENCH_DIR/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MB = 1e6


def namenorm_cmd() -> list[str]:
    """The installed console script beside this Python, else the module."""
    script = Path(sys.executable).with_name("namenorm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "namenorm"]


def wall(
    argv: Sequence[str] | str,
    stdin: Path | None = None,
    env: dict[str, str] | None = None,
    shell: bool = False,
) -> float:
    """Seconds one command takes, output discarded; fails loudly if the command fails."""
    src = stdin.open("rb") if stdin else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        subprocess.run(argv, stdin=src, stdout=subprocess.DEVNULL, check=True, env=env, shell=shell)
        return time.perf_counter() - start
    finally:
        if stdin:
            src.close()  # type: ignore[union-attr]


def rounds(runs: int, **commands: Callable[[], float]) -> dict[str, list[float]]:
    """Run each command once per round, interleaved, ``runs`` rounds."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(command())
    return times


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def ensure_data(kit: Path, data: Path, sizes: Sequence[int]) -> None:
    """Generate the kit's tables and corpus when they are missing."""
    missing = [n for n in sizes if not (data / f"table_{n}.yaml").exists()]
    if missing or not (data / "corpus_20mb.txt").exists():
        subprocess.run([sys.executable, str(kit / "make_bench.py"), "--out", str(data)], check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--kit",
        type=Path,
        default=ROOT.parent / "shared" / "bench",
        help="the shared benchmark kit (default: ../shared/bench)",
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--skip-anchor",
        action="store_true",
        help="skip bench_replace.py (needs daachorse and the kit's data)",
    )
    ap.add_argument("--skip-cold", action="store_true", help="skip compiling tables afresh")
    args = ap.parse_args()

    work = Path(os.environ.get("NAMENORM_BENCH_DIR", ROOT / ".bench")).resolve()
    data = work / "data"
    ensure_data(args.kit, data, args.sizes)
    corpus = data / "corpus_20mb.txt"
    corpus_mb = corpus.stat().st_size / MB
    cache = Path(tempfile.mkdtemp(prefix="namenorm-bench-cache-"))
    env = {**os.environ, "NAMENORM_CACHE_DIR": str(cache)}
    nn = namenorm_cmd()
    results: dict[str, object] = {"corpus_mb": corpus_mb, "runs": args.runs}
    lines = [
        f"# namenorm benchmark ({time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} cores, medians of {args.runs} interleaved rounds)",
        "",
    ]

    # -- start-up with the bundled table ---------------------------------------
    one_name = work / "one_name.txt"
    one_name.write_text("Svetlana Tikhanovskaya\n", encoding="utf-8")
    subprocess.run(
        [*nn, "lookup"], stdin=subprocess.DEVNULL, env=env, check=True, stdout=subprocess.DEVNULL
    )  # compile and cache the bundled table
    t = rounds(
        args.runs,
        python=lambda: wall([sys.executable, "-c", "pass"]),
        lookup=lambda: wall([*nn, "lookup"], one_name, env),
        filter=lambda: wall([*nn, "filter"], one_name, env),
    )
    results["startup"] = t
    lines += [
        "## Start-up, bundled table (cached index), one name",
        "",
        "| command | median s |",
        "|---|---|",
        f"| `python3 -c pass` (floor) | {median(t['python']):.3f} |",
        f"| `namenorm lookup` | {median(t['lookup']):.3f} |",
        f"| `namenorm filter` | {median(t['filter']):.3f} |",
        "",
    ]

    for n in args.sizes:
        section, more = size_section(n, args, work, env, one_name)
        results[str(n)] = section
        lines += more

    shutil.rmtree(cache, ignore_errors=True)
    out = work / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "namenorm.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print("\n".join(lines))
    return 0


def size_section(
    n: int, args: argparse.Namespace, work: Path, env: dict[str, str], one_name: Path
) -> tuple[dict[str, object], list[str]]:
    """Every figure for one table size, with its Markdown lines."""
    data = work / "data"
    corpus = data / "corpus_20mb.txt"
    corpus_mb = corpus.stat().st_size / MB
    cache = Path(env["NAMENORM_CACHE_DIR"])
    nn = namenorm_cmd()
    lines: list[str] = []
    table = data / f"table_{n}.yaml"
    patterns = data / f"patterns_{n}.txt"
    lookup = [*nn, "lookup", "--allow-conflicts", "--table", str(table)]
    filt = [*nn, "filter", "--allow-conflicts", "--table", str(table)]
    section: dict[str, object] = {}
    lines += [f"## {n:,} entities", ""]

    if not args.skip_cold:
        cold_dir = Path(tempfile.mkdtemp(prefix="namenorm-cold-"))
        cold = wall(lookup, one_name, {**os.environ, "NAMENORM_CACHE_DIR": str(cold_dir)})
        shutil.rmtree(cold_dir, ignore_errors=True)
        section["cold_build_s"] = cold
        lines.append(
            f"- compile the table afresh (parse, validate, fold, build automaton, "
            f"write cache), one run: **{cold:.1f} s**"
        )
    subprocess.run(
        lookup, stdin=subprocess.DEVNULL, env=env, check=True, stdout=subprocess.DEVNULL
    )  # make sure the cache exists

    grep = (
        f"ulimit -v 8000000; LC_ALL=C.UTF-8 grep -F -o -f {shlex.quote(str(patterns))} "
        f"{shlex.quote(str(corpus))} | wc -l"
    )
    t = rounds(
        args.runs,
        lookup_one=lambda: wall(lookup, one_name, env),
        filter=lambda: wall(filt, corpus, env),
        filter_j1=lambda: wall([*filt, "-j", "1"], corpus, env),
        grep=lambda: wall(grep, shell=True),
    )
    section["whole_process"] = t
    f, f1, g = median(t["filter"]), median(t["filter_j1"]), median(t["grep"])
    lines += [
        f"- start-up from the cached index (`lookup`, one name): "
        f"**{median(t['lookup_one']):.3f} s**",
        "",
        f"Whole process on the {corpus_mb:.0f} MB corpus, index cached:",
        "",
        "| command | median s | MB/s | vs grep |",
        "|---|---|---|---|",
        f"| `grep -F -o -f patterns_{n}.txt corpus \\| wc -l` (anchor) | {g:.2f} | "
        f"{corpus_mb / g:.1f} | 1.00 |",
        f"| `namenorm filter` (default: all cores) | {f:.2f} | {corpus_mb / f:.1f} | {f / g:.2f} |",
        f"| `namenorm filter -j 1` (one process) | {f1:.2f} | {corpus_mb / f1:.1f} | "
        f"{f1 / g:.2f} |",
        "",
    ]

    # lookup throughput: every spelling of the table as a query, one batch
    queries = work / f"queries_{n}.txt"
    with patterns.open(encoding="utf-8") as src, queries.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= 100_000:
                break
            dst.write(line)
    count = sum(1 for _ in queries.open(encoding="utf-8"))
    t = rounds(args.runs, lookup=lambda: wall(lookup, queries, env))
    lk = median(t["lookup"])
    section["lookup_batch"] = {"names": count, "times": t["lookup"]}
    lines += [
        f"- `namenorm lookup`, {count:,} names in one batch: {lk:.2f} s, "
        f"**{count / lk:,.0f} names/s** (start-up included)",
        "",
    ]

    # steady-state MB/s in process against the best library anchor
    steady = steady_state(table, corpus, cache, args.runs)
    section["steady_mbps"] = steady
    lines.append(
        f"- steady-state filter, in process, index loaded, one core: **{median(steady):.1f} MB/s**"
    )
    if not args.skip_anchor:
        anchor = bench_replace(args.kit, work, n, args.runs)
        section["daac_replace_mbps"] = anchor
        lines.append(
            f"- anchor `bench_replace.py --algo daac` (replace, whole buffer): "
            f"{anchor:.1f} MB/s; namenorm / anchor = "
            f"**{median(steady) / anchor:.2f}**"
        )
    lines.append("")
    return section, lines


def steady_state(table: Path, corpus: Path, cache: Path, runs: int) -> list[float]:
    """MB/s of scanning and rewriting the corpus in one process, after loading the index."""
    code = f"""
import os, time, json
os.environ["NAMENORM_CACHE_DIR"] = {str(cache)!r}
from namenorm.resolver import Resolver
from namenorm.rewrite import Stream
scanner = Resolver.from_tables([{str(table)!r}], allow_conflicts=True).scanner()
data = open({str(corpus)!r}, "rb").read()
def run():
    stream = Stream(scanner, track=False)
    return sum(len(s.rewritten()) for s in (*stream.feed(data), *stream.close()))
run()
out = []
for _ in range({runs}):
    t = time.perf_counter(); run(); out.append(len(data) / 1e6 / (time.perf_counter() - t))
print(json.dumps(out))
"""
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return [float(x) for x in json.loads(done.stdout)]


def bench_replace(kit: Path, work: Path, n: int, runs: int) -> float:
    """The kit's daachorse scan+replace figure (median MB/s) for this table size."""
    env = {**os.environ, "NAMENORM_BENCH_DIR": str(work), "PYTHONPATH": str(kit)}
    done = subprocess.run(
        [
            sys.executable,
            str(kit / "bench_replace.py"),
            "--algo",
            "daac",
            "--n",
            str(n),
            "--mb",
            "20",
            "--runs",
            str(runs),
            "--build-runs",
            "1",
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    record = json.loads(done.stdout.strip().splitlines()[-1])
    return float(record["replace_mbps"]["median"])


if __name__ == "__main__":
    sys.exit(main())
