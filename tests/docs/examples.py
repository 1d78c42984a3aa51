"""The fenced examples of README.md and docs/*.md, and the scripts that run them.

A fence tagged ``sh``, ``bash`` or ``python`` is an example and runs, unless the line before
it (blank lines aside) is ``<!-- not-run: <why> -->``: the reason stays visible to whoever
reads the Markdown source. Other fences (``json``, untagged diagrams) are data, not run.

A document's shell examples run in order in one bash (``set -e -o pipefail``: a failing
command fails the document), then its Python examples in order in one interpreter, both in a
checkout-like folder. ``http://127.0.0.1:8000`` becomes the test server's URL; the test's
``curl`` answers an HTTP error as a failure (``--fail-with-body``), so an example cannot
pass by printing an error body.
"""

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED_URL = "http://127.0.0.1:8000"
SHELL = frozenset({"sh", "bash"})
RUNNABLE = SHELL | {"python"}
EXCLUDED = {"docs/benchmarks.md": "its commands are the benchmarks, minutes each"}
"""Documents whose examples are not run, with the reason."""

_FENCE = re.compile(r"^```(\S*)\s*$")
_NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(?P<reason>\S.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block: its document, the line of its opening fence, language and code."""

    doc: str
    line: int
    lang: str
    code: str
    not_run: str | None = None

    @property
    def runs(self) -> bool:
        return self.lang in RUNNABLE and self.not_run is None


def documents() -> list[str]:
    """README.md and every docs/*.md whose examples run, as paths relative to the root."""
    docs = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))
    return ["README.md", *(d for d in docs if d not in EXCLUDED)]


def parse(text: str, doc: str) -> list[Block]:
    """The fenced blocks of a Markdown text, in order (an unclosed fence is an error)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        if end == len(lines):
            raise ValueError(f"{doc}:{index + 1}: the fence is never closed")
        code = "\n".join(lines[index + 1 : end])
        blocks.append(Block(doc, index + 1, opening.group(1), code, _not_run(lines, index)))
        index = end + 1
    return blocks


def _not_run(lines: list[str], fence: int) -> str | None:
    """The reason of a ``<!-- not-run: ... -->`` line just before the fence, if any."""
    before = fence - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    found = _NOT_RUN.match(lines[before].strip()) if before >= 0 else None
    return found.group("reason") if found else None


def read_blocks(doc: str) -> list[Block]:
    return parse((ROOT / doc).read_text(encoding="utf-8"), doc)


@dataclass(frozen=True)
class Script:
    """A document's examples of one kind joined into one program, and where each line of it
    comes from (``origin[n]``: the document line of the program's line n + 1)."""

    text: str
    origin: list[str]

    def where(self, line: int) -> str:
        return self.origin[line - 1] if 0 < line <= len(self.origin) else f"line {line}"


SHELL_PRELUDE = """\
set -eE -o pipefail
trap 'echo "::failed $LINENO: $BASH_COMMAND" >&2' ERR
curl() { command curl --fail-with-body "$@"; }
"""


def script(blocks: list[Block], kinds: frozenset[str], url: str, prelude: str = "") -> Script:
    """The blocks of ``kinds`` that run, joined, with the documented URL replaced by ``url``."""
    lines = prelude.splitlines()
    origin = ["prelude"] * len(lines)
    for block in blocks:
        if not block.runs or block.lang not in kinds:
            continue
        code = block.code.replace(DOCUMENTED_URL, url).splitlines()
        lines.extend(code)
        origin.extend(f"{block.doc}:{block.line + n}" for n in range(1, len(code) + 1))
    return Script("\n".join(lines) + "\n", origin)


@dataclass(frozen=True)
class Outcome:
    code: int
    output: str
    failed_at: str | None


def run_shell(program: Script, cwd: Path, env: dict[str, str], timeout: float) -> Outcome:
    """Run a shell program in bash; where it failed (document line), read from the trap."""
    done = subprocess.run(
        ["bash", "-c", program.text],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = done.stdout + done.stderr
    failed = re.findall(r"^::failed (\d+): (.*)$", done.stderr, re.MULTILINE)
    where = f"{program.where(int(failed[-1][0]))}: {failed[-1][1]}" if failed else None
    return Outcome(done.returncode, output, where)


def run_python(program: Script, cwd: Path, env: dict[str, str], timeout: float) -> Outcome:
    """Run a Python program with this interpreter (the project's virtual environment)."""
    path = cwd / ".examples.py"
    path.write_text(program.text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(path)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = done.stdout + done.stderr
    lines = re.findall(rf'File "{re.escape(str(path))}", line (\d+)', done.stderr)
    return Outcome(done.returncode, output, program.where(int(lines[-1])) if lines else None)
