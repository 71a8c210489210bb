"""``python -m namenorm``: the same command as the ``namenorm`` console script."""

from namenorm.cli import run

run()
