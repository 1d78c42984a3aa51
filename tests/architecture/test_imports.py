"""The import graph: layers point one way, and the wire schemas stay free of SQLAlchemy."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import urutiq_ai

PACKAGE = Path(urutiq_ai.__file__).resolve().parent

# A module of a domain may import only domains at or before its own position.
DOMAIN_ORDER = (
    "core",
    "ml",  # pure numerical code: may import core only, never a domain
    "tenancy",
    "crud",
    "sources",  # reading company data from tables, queries and files
    "alerts",  # alerts and webhooks: every monitor (and governance) reports to them
    "config",
    "registry",
    "quality",  # the data-quality rule language, which pipelines' validation uses
    "pipelines",
    "training",
    "deployments",
    "predictions",
    # Experiments compare models offline and from a deployment's served outcomes: above
    # both. Nothing below imports them (AIModel names AIExperiment by table name only).
    "experiments",
    "feedback",
    "monitoring",
    "explainability",
    "governance",
)
# Entry points above every domain: they may import any of them.
TOP_LEVEL = frozenset(
    {"api", "cli", "sdk", "web", "catalog", "migrations", "demo", "drift", "warm", "__init__"}
)


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _domain(path: Path) -> str:
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


# Known violations, each a bug to fix in src/ (strict: the test says when it is fixed).
KNOWN_VIOLATIONS: dict[str, str] = {}


def _domain_module_params() -> list[object]:
    params: list[object] = []
    for path in _modules():
        if _domain(path) not in DOMAIN_ORDER:
            continue
        name = str(path.relative_to(PACKAGE))
        marks = (
            [pytest.mark.xfail(reason=KNOWN_VIOLATIONS[name], strict=True)]
            if name in KNOWN_VIOLATIONS
            else []
        )
        params.append(pytest.param(path, id=name, marks=marks))
    return params


def _imported_domains(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "urutiq_ai":
                names = [f"urutiq_ai.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "urutiq_ai" and len(parts) > 1:
                found.add(parts[1])
    return found


class TestDomainOrder:
    def test_every_package_is_placed(self) -> None:
        domains = {_domain(path) for path in _modules()}
        unplaced = domains - set(DOMAIN_ORDER) - TOP_LEVEL
        assert not unplaced, f"add {sorted(unplaced)} to DOMAIN_ORDER or TOP_LEVEL"

    @pytest.mark.parametrize("path", _domain_module_params())
    def test_imports_only_lower_domains(self, path: Path) -> None:
        own = DOMAIN_ORDER.index(_domain(path))
        higher = sorted(
            target
            for target in _imported_domains(path)
            if target in TOP_LEVEL or (target in DOMAIN_ORDER and DOMAIN_ORDER.index(target) > own)
        )
        assert not higher, f"{path.relative_to(PACKAGE)} imports higher layers {higher}"


def _imports_sqlalchemy(code: str) -> bool:
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('sqlalchemy' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip().splitlines()[-1] == "True"


SCHEMA_MODULES = sorted(
    "urutiq_ai." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    for path in PACKAGE.rglob("schemas.py")
)


class TestNoSqlalchemyOnTheWire:
    def test_schemas_modules_are_found(self) -> None:
        assert "urutiq_ai.core.schemas" in SCHEMA_MODULES
        assert "urutiq_ai.registry.schemas" in SCHEMA_MODULES

    def test_schemas_do_not_import_sqlalchemy(self) -> None:
        code = "\n".join(f"import {module}" for module in SCHEMA_MODULES)
        assert not _imports_sqlalchemy(code)

    @pytest.mark.parametrize("module", SCHEMA_MODULES)
    def test_schemas_source_does_not_name_sqlalchemy(self, module: str) -> None:
        path = PACKAGE.joinpath(*module.split(".")[1:]).with_suffix(".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [alias.name for alias in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                assert not any(name.split(".")[0] == "sqlalchemy" for name in names), module

    def test_sdk_does_not_import_sqlalchemy(self) -> None:
        pytest.importorskip("urutiq_ai.sdk")
        assert not _imports_sqlalchemy("import urutiq_ai.sdk")


class TestServerStartPath:
    def test_importing_the_app_loads_no_ml_stack(self) -> None:
        """The server must start fast: numpy, pandas, scikit-learn load with the first job."""
        code = (
            "import sys, urutiq_ai.api.app, urutiq_ai.cli.main; "
            "print(sorted(m for m in ('numpy', 'pandas', 'sklearn', 'xgboost', 'shap') "
            "if m in sys.modules))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == "[]"


def test_jobs_import_no_executor_nor_the_ledgers_recovery() -> None:
    """``core.jobs`` says what a job is and runs one; the executors (``core.executors``,
    ``core.celery_executor``) and the ledger's recovery import it, never the other way round
    (not even inside a function): no import circle between them."""
    path = PACKAGE / "core" / "jobs.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not imported & {
        "urutiq_ai.core.executors",
        "urutiq_ai.core.celery_executor",
        "urutiq_ai.core.ledger.recovery",
    }


INFRASTRUCTURE = frozenset({"core", "sources"})
"""Domains whose repositories every domain may use: the base repository, and reading company
data from tables, queries and files (``sources/``)."""


def _repositories_imported(path: Path) -> set[str]:
    """The domains whose ``repository`` module ``path`` imports (anywhere in it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
            modules += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "urutiq_ai" and len(parts) > 2 and parts[2] == "repository":
                found.add(parts[1])
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if _domain(p) in DOMAIN_ORDER],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_domains_read_other_domains_through_their_services(path: Path) -> None:
    """A domain reads another domain's rows through that domain's service functions, never its
    repository (predictions' service has what monitoring and feedback read)."""
    others = _repositories_imported(path) - {_domain(path)} - INFRASTRUCTURE
    assert not others, f"{path.relative_to(PACKAGE)} imports the repository of {sorted(others)}"
