"""``python -m urutiq_ai.warm`` (run by ``make run``) imports every module of the package."""

import pkgutil

import urutiq_ai
from urutiq_ai import warm


def test_every_module_but_the_migrations() -> None:
    names = warm.module_names()
    assert {"urutiq_ai.cli.main", "urutiq_ai.api.app", "urutiq_ai.demo.loader"} <= set(names)
    assert "urutiq_ai.training.tasks" in names
    assert not [name for name in names if name.startswith("urutiq_ai.migrations")]
    every = {info.name for info in pkgutil.walk_packages(urutiq_ai.__path__, "urutiq_ai.")}
    assert every - set(names) <= {name for name in every if "migrations" in name} | {warm.__name__}
