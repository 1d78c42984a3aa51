"""The tenant-scope linter (scripts/linters/tenant_scope.py) keeps queries in repositories."""

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_linter() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "tenant_scope", ROOT / "scripts" / "linters" / "tenant_scope.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestViolations:
    def test_source_tree_is_clean(self) -> None:
        assert load_linter().violations() == []

    def test_flags_select_outside_repository(self, tmp_path: Path) -> None:
        package = tmp_path / "urutiq_ai" / "domain"
        package.mkdir(parents=True)
        (package / "service.py").write_text("rows = session.execute(select(AIModel))\n")
        found = load_linter().violations(tmp_path / "urutiq_ai")
        assert len(found) == 1
        assert "service.py:1" in found[0]

    def test_allows_repositories_and_the_escape_comment(self, tmp_path: Path) -> None:
        package = tmp_path / "urutiq_ai" / "domain"
        package.mkdir(parents=True)
        (package / "repository.py").write_text("stmt = select(AIModel)\n")
        (package / "admin.py").write_text("stmt = select(Tenant)  # tenancy: global\n")
        assert load_linter().violations(tmp_path / "urutiq_ai") == []
