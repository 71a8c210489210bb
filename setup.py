"""Build hook: ship the top-level variants.yaml inside the package.

The bundled table lives at the top of the repository, where editors and reviewers
look for it; the wheel needs it inside ``namenorm/``. Everything else is in
pyproject.toml.
"""

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


setup(cmdclass={"build_py": BuildPyWithTable})
