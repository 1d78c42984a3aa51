"""A domain's errors live in its ``errors.py``: one place to read what a domain may answer,
and one module that its callers (other domains, the dashboard, tests) import an error from
without loading the service that raises it (some load the ML stack).

The check imports every module of every domain package and lists the exception classes
(anything deriving from ``BaseException``) defined at its top level; only a domain's
``errors.py`` may define them, apart from the allow-list below, each with its reason.
"""

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

from tests.architecture.test_imports import DOMAIN_ORDER, PACKAGE
from urutiq_ai.core.errors import AppError

NOT_DOMAINS: dict[str, str] = {
    "core": "shared infrastructure, no domain: core/errors.py holds the AppError family; "
    "its other exceptions are the job runtime's and the tenant safety net's signals",
    "ml": "pure numerical code below every domain: its errors are not the API's, the "
    "services translate them into their domains' errors",
}
DOMAINS = tuple(domain for domain in DOMAIN_ORDER if domain not in NOT_DOMAINS)

# "<domain>.<module>.<Class>": why it is defined there. Only exceptions that never leave
# their module (raised and caught in it, so never rendered to a user) belong here.
ALLOWED: dict[str, str] = {
    "pipelines.tasks.RunCancelled": "control flow inside a pipeline run's job: raised at a "
    "cancel check and caught by the job itself, which rolls back and stops",
}


def _modules(domain: str) -> list[ModuleType]:
    """The package ``urutiq_ai.<domain>`` and every module under it, imported."""
    package = importlib.import_module(f"urutiq_ai.{domain}")
    names = [info.name for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]
    return [package, *(importlib.import_module(name) for name in names)]


def _exceptions(module: ModuleType) -> list[type[BaseException]]:
    """The exception classes ``module`` defines (not those it imports)."""
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == module.__name__
    ]


def _key(cls: type[BaseException]) -> str:
    return f"{cls.__module__.removeprefix('urutiq_ai.')}.{cls.__qualname__}"


def _is_errors_module(module: ModuleType) -> bool:
    return module.__name__.rsplit(".", 1)[-1] == "errors"


@pytest.mark.parametrize("domain", DOMAINS)
def test_exceptions_are_defined_in_errors_modules(domain: str) -> None:
    misplaced = sorted(
        _key(cls)
        for module in _modules(domain)
        if not _is_errors_module(module)
        for cls in _exceptions(module)
        if _key(cls) not in ALLOWED
    )
    assert not misplaced, f"move these into urutiq_ai/{domain}/errors.py: {misplaced}"


@pytest.mark.parametrize("key", sorted(ALLOWED))
def test_allowed_exceptions_exist_and_never_reach_users(key: str) -> None:
    """An entry names a class that is still there (the list does not go stale), and is no
    AppError: an error the API renders belongs in errors.py."""
    module_name, _, class_name = key.rpartition(".")
    found = getattr(importlib.import_module(f"urutiq_ai.{module_name}"), class_name, None)
    assert inspect.isclass(found), f"{key} is gone"
    assert issubclass(found, BaseException), f"{key} is no exception"
    assert not issubclass(found, AppError), f"{key} reaches users: move it into errors.py"


def test_the_check_sees_the_domains_errors() -> None:
    """The scan finds errors where they are: it would see them anywhere else too."""
    found = {
        _key(cls)
        for domain in ("crud", "registry", "governance")
        for module in _modules(domain)
        if _is_errors_module(module)
        for cls in _exceptions(module)
    }
    assert {
        "crud.errors.ResourceNotFound",
        "registry.errors.VersionInUse",
        "governance.errors.GovernanceBlocked",
    } <= found
    assert set(NOT_DOMAINS) <= set(DOMAIN_ORDER)


ERRORS_MODULES = sorted(PACKAGE / domain / "errors.py" for domain in DOMAINS)


@pytest.mark.parametrize(
    "path",
    [path for path in ERRORS_MODULES if path.exists()],
    ids=lambda path: str(path.relative_to(PACKAGE)),
)
def test_errors_modules_import_only_core_errors_and_their_types(path: Path) -> None:
    """An errors module sits below everything else of its domain: importing it never
    imports a service (no import cycle, and no ML stack loaded to name an error)."""
    domain = path.parent.name
    allowed = {"urutiq_ai.core.errors", f"urutiq_ai.{domain}.types"}
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    ours = {name for name in imported if name.startswith((".", "urutiq_ai"))}
    assert ours <= allowed, f"{path.relative_to(PACKAGE)} imports {sorted(ours - allowed)}"
