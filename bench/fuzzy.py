#!/usr/bin/env python3
"""Fuzzy lookup rate: names/s on one core for spellings the table does not list.

Two workloads, each timed as whole `namenorm lookup -j 1` processes with the index
cached, start-up subtracted (a run that looks up one unlisted name, the fuzzy way,
measured in the same rounds: loading what fuzzy lookup needs is start-up too):

* kit N: the shared kit's table_N.yaml cut down to one spelling per entity (its
  canonical); the queries are other full-name spellings of those entities
  (transliterations, other scripts, other orders), so most go the fuzzy way;
* T1/T2/T3: the evaluation sets (`../shared/eval`), table and queries as they are.

Anchor, same run: rapidfuzz ``process.extractOne`` (WRatio, the kit's fuzzy anchor)
over the same table's canonicals, in process, on a sample of the queries.

``--against DIR`` also times another version (a folder holding its ``namenorm``
package with the kernel built, as ``pip install --no-deps --target DIR`` leaves it,
or a checkout whose ``src`` has it built in place), with a cache of its own, in the
same interleaved rounds, both run as ``python -m namenorm``: on a shared machine whose
speed drifts, a version's rate is only comparable with another's measured beside it.

    python3 bench/fuzzy.py                       # kit 10k and 100k, and the eval sets
    python3 bench/fuzzy.py --sizes 10000 --runs 3 --queries 2000
    python3 bench/fuzzy.py --sizes --against ../previous-build --runs 9   # eval sets, A/B
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import ensure_data, median, namenorm_cmd, rounds, wall  # noqa: E402

UNLISTED = "Qwerzy Plonkvisch"
"""A name no table lists: the start-up run looks it up."""


def kit_workload(data: Path, n: int, count: int, out: Path) -> tuple[Path, Path, list[str]]:
    """A one-spelling-per-entity table and queries of other spellings (with their ids)."""
    with (data / f"table_{n}.yaml").open("rb") as f:
        entities = yaml.load(f, Loader=yaml.CSafeLoader)["entities"]
    table = out / f"fuzzy_table_{n}.yaml"
    queries: list[tuple[str, str]] = []
    with table.open("w", encoding="utf-8") as f:
        f.write("entities:\n")
        for e in entities:
            f.write(f"  - id: {json.dumps(e['id'])}\n")
            f.write(f"    type: {e.get('type', 'person')}\n")
            f.write(f"    canonical: {json.dumps(e['canonical'], ensure_ascii=False)}\n")
            f.write(f"    names: [{json.dumps(e['canonical'], ensure_ascii=False)}]\n")
            for name in e["names"]:
                text = name if isinstance(name, str) else name["name"]
                if " " in text and "." not in text and text != e["canonical"]:
                    queries.append((text, e["id"]))
    random.Random(7).shuffle(queries)
    picked = queries[:count]
    qfile = out / f"fuzzy_queries_{n}.txt"
    qfile.write_text("".join(q + "\n" for q, _ in picked), encoding="utf-8")
    return table, qfile, [i for _, i in picked]


def eval_workload(evaldir: Path, name: str, out: Path) -> tuple[Path, Path, list[str]]:
    """An evaluation set's table and queries (expected ids, '' for negatives)."""
    rows = (evaldir / "data" / name / "queries.tsv").read_text(encoding="utf-8").splitlines()[1:]
    cols = [r.split("\t") for r in rows]
    qfile = out / f"eval_{name}.txt"
    qfile.write_text("".join(" ".join(c[1].split()) + "\n" for c in cols), encoding="utf-8")
    return evaldir / "data" / name / "table.yaml", qfile, [c[2] for c in cols]


def measure(
    label: str,
    table: Path,
    qfile: Path,
    expected: list[str],
    runs: int,
    anchor: int,
    against: Path | None = None,
) -> dict[str, object]:
    """Median names/s of the lookup (start-up subtracted), of the other checkout's when
    given, and of the anchor."""
    args = ["lookup", "-j", "1", "--allow-conflicts", "--table", str(table)]
    cmd = [*namenorm_cmd(), *args]
    env: dict[str, str] | None = None
    other_env: dict[str, str] = {}
    if against is not None:  # both the same way: the module, each checkout's sources
        cmd = [sys.executable, "-m", "namenorm", *args]
        env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
        other_env = {
            **os.environ,
            "PYTHONPATH": str(against / "src" if (against / "src").is_dir() else against),
            "NAMENORM_CACHE_DIR": str(qfile.parent / "against-cache"),
        }
    # Start-up: one name no table lists, so that it goes the fuzzy way and loads what
    # fuzzy lookup needs (numpy, the name data, the fuzzy index), as the batch does.
    one = qfile.with_suffix(".one")
    one.write_text(f"{UNLISTED}\n", encoding="utf-8")
    wall(cmd, one, env)  # build the index once; every timed run reads it from the cache
    commands = {
        "start": lambda: wall(cmd, one, env),
        "batch": lambda: wall(cmd, qfile, env),
    }
    if against is not None:
        wall(cmd, one, other_env)
        commands["other_start"] = lambda: wall(cmd, one, other_env)
        commands["other_batch"] = lambda: wall(cmd, qfile, other_env)
    times = rounds(runs, **commands)
    start, batch = median(times["start"]), median(times["batch"])
    n = len(expected)
    rate = n / max(batch - start, 1e-9)

    import subprocess

    out = subprocess.run(cmd, stdin=qfile.open("rb"), capture_output=True, check=True).stdout
    got = [line.split("\t")[1] for line in out.decode("utf-8").splitlines()]
    right = sum(1 for g, e in zip(got, expected, strict=True) if e and g == e)
    wrong = sum(1 for g, e in zip(got, expected, strict=True) if g and g != e)
    result: dict[str, object] = {
        "workload": label,
        "queries": n,
        "start_s": round(start, 3),
        "batch_s": round(batch, 3),
        "names_per_s": round(rate),
        "right": round(right / n, 3),
        "wrong": round(wrong / n, 3),
    }
    if against is not None:
        other = n / max(median(times["other_batch"]) - median(times["other_start"]), 1e-9)
        result["against_names_per_s"] = round(other)
        result["speed-up"] = round(rate / other, 2)
    if anchor:
        from rapidfuzz import fuzz, process

        with table.open("rb") as f:
            entities = yaml.load(f, Loader=yaml.CSafeLoader)["entities"]
        choices = [e["canonical"] for e in entities]
        sample = qfile.read_text(encoding="utf-8").splitlines()[:anchor]
        anchor_times = []
        for _ in range(max(1, runs // 2)):
            t = time.perf_counter()
            for q in sample:
                process.extractOne(q, choices, scorer=fuzz.WRatio)
            anchor_times.append(time.perf_counter() - t)
        anchor_rate = len(sample) / median(anchor_times)
        result["anchor_names_per_s"] = round(anchor_rate, 1)
        result["ratio"] = round(rate / anchor_rate, 1)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[10000, 100000])
    ap.add_argument("--queries", type=int, default=5000, help="kit queries per size")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--anchor", type=int, default=100, help="queries the anchor answers (0: none)")
    ap.add_argument("--kit", type=Path, default=HERE.parent.parent / "shared" / "bench")
    ap.add_argument("--eval", type=Path, default=HERE.parent.parent / "shared" / "eval")
    ap.add_argument("--data", type=Path, default=HERE.parent / ".bench" / "data")
    ap.add_argument(
        "--against", type=Path, help="another version's package folder, timed in the same rounds"
    )
    a = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if a.sizes:
            ensure_data(a.kit, a.data, a.sizes)
        for n in a.sizes:
            table, qfile, expected = kit_workload(a.data, n, a.queries, work)
            results.append(measure(f"kit {n}", table, qfile, expected, a.runs, a.anchor, a.against))
            print(json.dumps(results[-1]), flush=True)
        if (a.eval / "data").is_dir():
            for name in ("T1", "T2", "T3"):
                table, qfile, expected = eval_workload(a.eval, name, work)
                results.append(measure(name, table, qfile, expected, a.runs, a.anchor, a.against))
                print(json.dumps(results[-1]), flush=True)
    print(
        "\n| workload | queries | names/s (one core) | other version | speed-up "
        "| anchor names/s | ratio | right | wrong |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['workload']} | {r['queries']} | {r['names_per_s']} | "
            f"{r.get('against_names_per_s', '-')} | {r.get('speed-up', '-')} | "
            f"{r.get('anchor_names_per_s', '-')} | {r.get('ratio', '-')} | "
            f"{r['right']} | {r['wrong']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
