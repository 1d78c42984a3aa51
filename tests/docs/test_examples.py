"""Every shell, curl and SDK example of README.md and docs/*.md runs as written against a
freshly loaded demo served by ``urutiq-ai serve`` (``examples.py`` says how blocks become
programs, ``conftest.py`` where they run)."""

import re

import pytest

from tests.docs.conftest import DocsDemo
from tests.docs.examples import (
    DOCUMENTED_URL,
    EXCLUDED,
    ROOT,
    SHELL,
    SHELL_PRELUDE,
    Block,
    Outcome,
    documents,
    parse,
    read_blocks,
    run_python,
    run_shell,
    script,
)

DOCS = documents()
SECONDS_PER_DOCUMENT = 600.0
MOST_NOT_RUN = 8
"""Blocks excused from running, across all documents: a serving process, PostgreSQL,
Redis, a reset of the demo. More means the documents drift away from what is tested."""
RUNNING_AT_LEAST = {
    "README.md": 3,
    "docs/api.md": 1,
    "docs/demo.md": 2,
    "docs/deployments.md": 4,
    "docs/feedback-and-config.md": 2,
    "docs/governance.md": 2,
    "docs/monitoring.md": 12,
    "docs/pipelines.md": 3,
    "docs/quality.md": 4,
}
"""The examples each document runs today, at least: fewer means the parser lost some (or a
document lost its examples), which this test must not let pass in silence."""


def _report(doc: str, kind: str, outcome: Outcome) -> str:
    where = outcome.failed_at or "unknown line"
    return f"{doc}: a {kind} example failed at {where}\n{outcome.output[-6000:]}"


def _runnable(doc: str) -> list[Block]:
    return [b for b in read_blocks(doc) if b.runs]


class TestParse:
    TEXT = "\n".join(
        [
            "```sh",
            "echo one",
            "```",
            "<!-- not-run: needs PostgreSQL -->",
            "",
            "```bash",
            f"curl {DOCUMENTED_URL}/healthz",
            "```",
            "```json",
            '{"a": 1}',
            "```",
            "```python",
            "print(2)",
            "```",
        ]
    )

    def test_blocks_their_lines_and_languages(self) -> None:
        blocks = parse(self.TEXT, "x.md")
        assert [(b.line, b.lang) for b in blocks] == [
            (1, "sh"),
            (6, "bash"),
            (9, "json"),
            (12, "python"),
        ]
        assert [b.runs for b in blocks] == [True, False, False, True]
        assert blocks[1].not_run == "needs PostgreSQL"

    def test_the_script_keeps_where_each_line_comes_from(self) -> None:
        program = script(parse(self.TEXT, "x.md"), SHELL, "http://127.0.0.1:9", SHELL_PRELUDE)
        assert program.text.endswith("echo one\n")
        assert program.where(len(SHELL_PRELUDE.splitlines()) + 1) == "x.md:2"

    def test_the_documented_url_is_the_test_server(self) -> None:
        text = f"```sh\ncurl {DOCUMENTED_URL}/healthz\n```"
        program = script(parse(text, "x.md"), SHELL, "http://127.0.0.1:9")
        assert program.text == "curl http://127.0.0.1:9/healthz\n"

    def test_an_unclosed_fence_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="x.md:1"):
            parse("```sh\necho", "x.md")


class TestTheDocumentsHaveExamples:
    """The parser finds what the documents hold, so the test cannot silently run nothing."""

    def test_every_document_is_checked(self) -> None:
        on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")}
        assert on_disk - set(EXCLUDED) <= set(DOCS)
        assert "README.md" in DOCS

    @pytest.mark.parametrize("doc", DOCS)
    def test_examples_run_or_say_why_not(self, doc: str) -> None:
        blocks = read_blocks(doc)
        examples = [b for b in blocks if b.lang in SHELL | {"python"}]
        running = [b for b in examples if b.runs]
        if examples and not running:
            assert all(b.not_run for b in examples), doc
        assert len(running) >= RUNNING_AT_LEAST.get(doc, 0), [b.line for b in examples]
        for block in blocks:
            if block.not_run is not None:
                assert len(block.not_run) >= 10, f"{doc}:{block.line}: say why it is not run"

    def test_few_examples_are_excused(self) -> None:
        excused = [f"{b.doc}:{b.line}" for d in DOCS for b in read_blocks(d) if b.not_run]
        assert len(excused) <= MOST_NOT_RUN, excused

    def test_the_readme_lists_every_document(self) -> None:
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        listed = set(re.findall(r"\]\((docs/[\w-]+\.md)\)", readme))
        on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")}
        assert on_disk <= listed


@pytest.mark.parametrize("doc", [d for d in DOCS if _runnable(d)])
def test_examples_run(doc: str, docs_demo: DocsDemo) -> None:
    blocks = read_blocks(doc)
    shell = script(blocks, SHELL, docs_demo.url, SHELL_PRELUDE)
    outcome = run_shell(shell, docs_demo.checkout, docs_demo.env, SECONDS_PER_DOCUMENT)
    assert outcome.code == 0, _report(doc, "shell", outcome)
    if doc == "README.md":
        promised = re.search(r'"modelVersion": "([\d.]+)"', (ROOT / doc).read_text())
        assert promised, "the README no longer shows the version its training registers"
        assert f'"modelVersion":"{promised.group(1)}"' in outcome.output.replace(" ", "")
    python = script(blocks, frozenset({"python"}), docs_demo.url)
    if python.origin:
        outcome = run_python(python, docs_demo.checkout, docs_demo.env, SECONDS_PER_DOCUMENT)
        assert outcome.code == 0, _report(doc, "Python", outcome)
