"""Build hooks: ship the top-level variants.yaml inside the package, and byte-compile
an editable install's sources.

The bundled table lives at the top of the repository, where editors and reviewers
look for it; the wheel needs it inside ``namenorm/``. An installed wheel is
byte-compiled by pip; an editable install runs the sources in place, and where
Python may not write bytecode (PYTHONDONTWRITEBYTECODE) every command compiled them
afresh, about 50 ms of each start. A source edited later is simply compiled again
in memory: Python checks each file's timestamp. Everything else is in pyproject.toml.
"""

import compileall
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithTable(build_py):
    """Copy the bundled variant table into the built package."""

    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "variants.yaml"
        target = Path(self.build_lib) / "namenorm" / "variants.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        if self.editable_mode:
            compileall.compile_dir(Path(__file__).parent / "src" / "namenorm", quiet=1)


setup(cmdclass={"build_py": BuildPyWithTable})
