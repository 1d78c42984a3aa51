"""The tenant-scope linter (scripts/linters/tenant_scope.py) keeps queries in repositories."""

import importlib.util
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

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


LINTER = load_linter()


def flagged(source: str) -> list[int]:
    """The lines the linter reports in ``source`` (a module outside any repository)."""
    return [finding.line for finding in LINTER.check_source(textwrap.dedent(source))]


class TestSourceTree:
    def test_source_tree_is_clean(self) -> None:
        assert LINTER.violations() == []

    def test_reports_path_line_and_rule(self, tmp_path: Path) -> None:
        package = tmp_path / "urutiq_ai" / "domain"
        package.mkdir(parents=True)
        (package / "service.py").write_text("rows = session.execute(stmt)\n")
        found = LINTER.violations(tmp_path / "urutiq_ai")
        assert len(found) == 1
        assert found[0].startswith("urutiq_ai/domain/service.py:1: session.execute()")

    def test_repositories_and_migrations_are_exempt(self, tmp_path: Path) -> None:
        package = tmp_path / "urutiq_ai" / "domain"
        package.mkdir(parents=True)
        (package / "repository.py").write_text("row = session.get(AIModel, row_id)\n")
        versions = tmp_path / "urutiq_ai" / "migrations" / "versions"
        versions.mkdir(parents=True)
        (versions / "2024-01-01_init.py").write_text("op.execute(text('SELECT 1'))\n")
        assert LINTER.violations(tmp_path / "urutiq_ai") == []


class TestFlagged:
    @pytest.mark.parametrize(
        "source",
        [
            pytest.param("rows = select(AIModel)\n", id="select unbound"),
            pytest.param(
                "from sqlalchemy import select\nrows = select(AIModel)\n", id="select imported"
            ),
            pytest.param(
                "from sqlalchemy import select as pick\nrows = pick(AIModel)\n",
                id="select aliased",
            ),
            pytest.param("import sqlalchemy as sa\nrows = sa.select(AIModel)\n", id="sa.select"),
            pytest.param("from sqlalchemy import text\nq = text('SELECT 1')\n", id="text"),
            pytest.param("import sqlalchemy\nq = sqlalchemy.text('SELECT 1')\n", id="sa.text"),
            pytest.param(
                "from sqlalchemy import delete\nq = delete(AIModel)\n", id="delete imported"
            ),
            pytest.param("session.execute(stmt)\n", id="session.execute"),
            pytest.param("self.session.execute(stmt)\n", id="self.session.execute"),
            pytest.param("db_session.scalars(stmt)\n", id="db_session.scalars"),
            pytest.param("session.scalar(stmt)\n", id="session.scalar"),
            pytest.param("session.query(AIModel)\n", id="session.query"),
            pytest.param("row = session.get(AIModel, row_id)\n", id="session.get"),
            pytest.param("row = self.session.get(AIModel, row_id)\n", id="self.session.get"),
            pytest.param("row = session.get(res.model, row_id)\n", id="session.get attribute"),
            pytest.param("row = session.get_one(AIModel, row_id)\n", id="session.get_one"),
            pytest.param(
                "from urutiq_ai.registry.models import AIModel\nrow = s.get(AIModel, row_id)\n",
                id="any.get of a model class",
            ),
            pytest.param("conn.execute(stmt)\n", id="conn.execute"),
            pytest.param("with engine.connect() as c:\n    pass\n", id="engine.connect"),
            pytest.param("c = session.connection()\n", id="session.connection()"),
            pytest.param("c = anything.connection()\n", id="any.connection()"),
            pytest.param("c = engine.raw_connection()\n", id="raw_connection"),
            pytest.param("x.exec_driver_sql('SET ROLE r')\n", id="exec_driver_sql"),
            pytest.param("d = conn.driver_connection\n", id="driver_connection"),
            pytest.param("d = thing.dbapi_connection\n", id="dbapi_connection"),
            pytest.param("d = conn.connection\n", id="connection attribute of a handle"),
            pytest.param("frame = pd.read_sql(stmt, engine)\n", id="read_sql"),
            pytest.param("cursor.execute('PRAGMA x')\n", id="cursor.execute"),
            pytest.param("get_session().execute(stmt)\n", id="call returning a session"),
        ],
    )
    def test_pattern(self, source: str) -> None:
        last_statement = max(
            number
            for number, line in enumerate(source.splitlines(), start=1)
            if line and not line[0].isspace()
        )
        assert flagged(source) == [last_statement]

    def test_annotated_names_are_handles_whatever_their_name(self) -> None:
        source = """
        from sqlalchemy.orm import Session

        def load(s: Session, row_id: str) -> None:
            s.execute(stmt)
            s.get(thing, row_id)

        def bound(s: "Session | None") -> None:
            s.scalars(stmt)
        """
        assert flagged(source) == [5, 6, 9]

    def test_assigned_and_with_bound_names_are_handles(self) -> None:
        source = """
        from sqlalchemy.orm import Session

        def work(engine) -> None:
            s = Session(engine)
            s.execute(stmt)
            with Session(engine) as t:
                t.scalars(stmt)
        """
        assert flagged(source) == [6, 8]

    def test_self_attributes_typed_in_init(self) -> None:
        source = """
        from sqlalchemy.orm import Session

        class Worker:
            def __init__(self, s: Session) -> None:
                self.s = s

            def run(self) -> None:
                self.s.execute(stmt)
        """
        assert flagged(source) == [9]

    def test_multi_line_calls(self) -> None:
        source = """
        rows = (
            session
            .execute(
                stmt,
            )
        )
        other = list(
            session.scalars(
                stmt
            ).all()
        )
        from sqlalchemy import text
        q = text(
            "SELECT 1"
        )
        """
        assert flagged(source) == [3, 9, 14]


class TestNotFlagged:
    @pytest.mark.parametrize(
        "source",
        [
            pytest.param("value = form.get(DATA)\n", id="mapping get"),
            pytest.param("value = session.get('user')\n", id="session dict get of a key"),
            pytest.param("value = session.info.get(KEY)\n", id="session.info.get"),
            pytest.param("repo.scalars(stmt)\n", id="repository method"),
            pytest.param("frame.query('a > 1')\n", id="pandas query"),
            pytest.param("def text(x):\n    return x\n\ny = text('a')\n", id="local text"),
            pytest.param("from mylib import select\nselect([1], [], [])\n", id="other select"),
            pytest.param("from sqlalchemy import update\nupdate\n", id="builder not called"),
            pytest.param(
                "import sqlite3\ndb = sqlite3.connect('')\ndb.execute('PRAGMA x')\n",
                id="sqlite3 connection",
            ),
            pytest.param(
                "import sqlite3\n\ndef probe(conn: sqlite3.Connection) -> None:\n"
                "    conn.execute('SELECT 1')\n",
                id="annotated sqlite3 connection",
            ),
            pytest.param("session.add(row)\nsession.flush()\n", id="unit of work calls"),
        ],
    )
    def test_pattern(self, source: str) -> None:
        assert flagged(source) == []

    def test_any_annotation_leaves_it_to_the_name(self) -> None:
        source = """
        from typing import Any

        def hook(connection: Any, other: Any) -> None:
            connection.execute(stmt)
            other.execute(stmt)
        """
        assert flagged(source) == [5]


class TestEscape:
    def test_on_the_call_line(self) -> None:
        assert flagged("row = session.get(Tenant, tid)  # tenancy: global - system\n") == []

    def test_on_the_comment_lines_above_the_statement(self) -> None:
        source = """
        # tenancy: global - the scheduler sweeps every tenant,
        # under system scope
        rows = session.execute(
            select(Monitor)
        )
        """
        assert flagged(source) == []

    def test_on_the_statement_line_covers_its_continuation_lines(self) -> None:
        source = """
        rows = session.execute(  # tenancy: global - system sweep
            select(Monitor)
        )
        """
        assert flagged(source) == []

    def test_does_not_cover_a_block(self) -> None:
        source = """
        # tenancy: global
        with engine.connect() as conn:
            conn.execute(stmt)
        """
        assert flagged(source) == [4]

    def test_does_not_reach_past_a_code_line(self) -> None:
        source = """
        # tenancy: global
        x = 1
        session.execute(stmt)
        """
        assert flagged(source) == [2, 4]

    def test_in_a_string_is_no_escape(self) -> None:
        assert flagged("session.execute(stmt, '# tenancy: global')\n") == [1]

    def test_unused_escape_is_reported(self) -> None:
        found = LINTER.check_source("x = 1  # tenancy: global\n")
        assert [(f.line, f.rule) for f in found] == [
            (1, "escape comment covers no database access")
        ]
