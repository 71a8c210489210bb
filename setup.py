"""Build hooks: the compiled modules, the bundled table inside the package, and an
editable install's bytecode.

* ``namenorm._kernel`` is plain C (``src/namenorm/_kernel.c``): the inner loops of
  fuzzy lookup.
* The modules a lookup runs through are compiled with mypyc, which turns typed Python
  into C: a fuzzy lookup executes about a fifth fewer instructions. The sources stay
  the reference (they are what the tests and type checker read); set
  ``NAMENORM_PURE_PYTHON=1`` when installing to run them uncompiled. A compiled
  module shadows its source, so an editable install must be rebuilt after a source
  edit (``pip install -e .``): the build records each compiled source's digest in
  ``namenorm/_compiled.json``, and a test fails when a source no longer matches.
* The bundled table lives at the top of the repository, where editors and reviewers
  look for it; the wheel needs it inside ``namenorm/``.
* An installed wheel is byte-compiled by pip; an editable install runs the sources in
  place, and where Python may not write bytecode (PYTHONDONTWRITEBYTECODE) every
  command compiled them afresh, about 50 ms of each start.
"""

import compileall
import hashlib
import json
import os
import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
PACKAGE = HERE / "src" / "namenorm"

COMPILED = [
    "asciifold",
    "cli",
    "fold",
    "fuzzy",
    "index",
    "inflection",
    "keys",
    "names",
    "neighbours",
    "phonetic",
    "resolver",
    "score",
    "translit",
]
"""The modules a lookup runs through, compiled by mypyc, the command line included (it
prints every answer); not the table loader, the cache or the text scanner: their
time is start-up, I/O or the scanner's automaton."""


KERNEL = Extension(
    "namenorm._kernel", sources=["src/namenorm/_kernel.c"], extra_compile_args=["-O2"]
)


def digests(modules: list[str]) -> dict[str, str]:
    """Module -> SHA-256 of its source, as compiled."""
    return {m: hashlib.sha256((PACKAGE / f"{m}.py").read_bytes()).hexdigest() for m in modules}


class BuildExtCompiled(build_ext):
    """Compile the kernel, and the modules in COMPILED with mypyc; record their digests.

    mypyc is called when the extensions are about to be built, not when setup.py is
    read: a build reads setup.py several times (requirements, metadata, the build),
    and compiling takes a minute.
    """

    def finalize_options(self) -> None:
        compiled = [] if os.environ.get("NAMENORM_PURE_PYTHON") else COMPILED
        if not compiled:  # an earlier compiled build's modules would shadow the sources
            for module in [*COMPILED, "compiled__mypyc"]:
                for stale in PACKAGE.glob(f"{module}.*.so"):
                    stale.unlink()
        elif self.distribution.ext_modules == [KERNEL]:  # not compiled yet in this build
            from mypyc.build import mypycify

            self.distribution.ext_modules += mypycify(
                [f"src/namenorm/{m}.py" for m in compiled],
                opt_level="3",
                group_name="namenorm.compiled",
            )
        record = PACKAGE / "_compiled.json"
        record.write_text(json.dumps(digests(compiled), indent=1, sort_keys=True) + "\n")
        super().finalize_options()


class BuildPyWithTable(build_py):
    """Copy the bundled variant table into the built package."""

    def run(self) -> None:
        super().run()
        source = HERE / "variants.yaml"
        target = Path(self.build_lib) / "namenorm" / "variants.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        if self.editable_mode:
            compileall.compile_dir(PACKAGE, quiet=1)


setup(
    cmdclass={"build_py": BuildPyWithTable, "build_ext": BuildExtCompiled},
    ext_modules=[KERNEL],
)
