"""Instructions per fuzzy lookup, counted by valgrind: a measure the machine's load does
not move, for comparing two versions of the code on a shared machine.

Runs ``Resolver.resolve_many`` in a fresh process under ``valgrind --tool=callgrind``
twice: once for a start-up (the table loaded, one unlisted name looked up, the way
``bench/fuzzy.py`` counts start-up) and once for that plus the first ``--count``
queries; prints the difference per query. ``PYTHONHASHSEED=0`` keeps both runs alike.
The index must already be cached (run the queries once natively first): compiling a
table under valgrind takes very long.

    python3 bench/instructions.py TABLE.yaml QUERIES.txt
    python3 bench/instructions.py TABLE.yaml QUERIES.txt --code ../old/src   # another checkout

``--code`` puts another checkout's ``src`` first on the path (with its kernel built in
place); give it its own ``NAMENORM_CACHE_DIR`` so that the two versions' caches do not
push each other out.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DRIVER = """
import sys
from namenorm.resolver import Resolver
table, queries, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = open(queries, encoding="utf-8").read().splitlines()[:count]
resolver = Resolver.from_tables([table], allow_conflicts=True)
resolver.prepare()
resolver.resolve_many(["Qwerzy Plonkvisch"])
if names:
    resolver.resolve_many(names)
"""


def instructions(table: str, queries: str, count: int, code: str | None) -> int:
    """Instructions valgrind counts for one run of the driver."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if code:
        env["PYTHONPATH"] = code
    with tempfile.TemporaryDirectory() as folder:
        driver = Path(folder) / "driver.py"
        driver.write_text(DRIVER, encoding="utf-8")
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                sys.executable,
                str(driver),
                table,
                queries,
                str(count),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"instructions: no count in valgrind's output:\n{done.stderr[-500:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("table")
    parser.add_argument("queries")
    parser.add_argument("--count", type=int, default=800, help="queries looked up")
    parser.add_argument("--code", help="another checkout's src folder, first on the path")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("instructions: valgrind is not installed (apt-get install valgrind)")
    start = instructions(args.table, args.queries, 0, args.code)
    batch = instructions(args.table, args.queries, args.count, args.code)
    print(f"{(batch - start) / args.count / 1e3:.0f}k instructions per query")


if __name__ == "__main__":
    main()
