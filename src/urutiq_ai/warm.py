"""``python -m urutiq_ai.warm``: import every module of the package once, so that Python
writes the bytecode of all that the CLI, the server, the workers and the demo load (ours and
the libraries' they import) while writing is allowed.

``make run`` calls it after installing. The installer no longer compiles the 9,000 files of
every installed package (most of them are never imported: the tests of pandas and scipy,
the development tools); without it, a command run by hand on a machine that sets
PYTHONDONTWRITEBYTECODE would compile the modules it imports at every start.
"""

import importlib
import pkgutil
import sys
import time

import urutiq_ai

SKIPPED = ("urutiq_ai.migrations",)  # Alembic's env.py runs only inside Alembic


def module_names() -> list[str]:
    """Every module of the package, migrations aside."""
    found = pkgutil.walk_packages(urutiq_ai.__path__, prefix="urutiq_ai.")
    return sorted(
        info.name for info in found if not info.name.startswith(SKIPPED) and info.name != __name__
    )


def main() -> None:
    started = time.perf_counter()
    names = module_names()
    for name in names:
        importlib.import_module(name)
    took = time.perf_counter() - started
    sys.stderr.write(f"warm: {len(names)} modules and what they import, {took:.1f} s\n")


if __name__ == "__main__":
    main()
