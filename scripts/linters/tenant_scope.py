"""Flag queries written outside a repository (STYLE.md 2.4).

Tenant filtering lives in the repositories; a ``select(``, ``session.execute(``
or ``.query(`` anywhere else in ``src/urutiq_ai`` is reported, unless its line
carries the escape comment ``# tenancy: global`` (for work that is meant to see
every tenant). Exit code 1 when something is flagged.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src" / "urutiq_ai"
PATTERN = re.compile(r"(?<![\w.])select\(|\bsession\.execute\(|\.query\(")
ESCAPE = "# tenancy: global"
EXEMPT_PARTS = {"migrations"}


def violations(root: Path = ROOT) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "repository.py" or EXEMPT_PARTS & set(path.parts):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            if PATTERN.search(code) and ESCAPE not in line:
                found.append(f"{path.relative_to(root.parent)}:{number}: {line.strip()}")
    return found


def main() -> int:
    found = violations()
    for item in found:
        print(item)
    if found:
        print(
            f"{len(found)} query(ies) outside a repository; move them into one, "
            f"or mark a deliberate cross-tenant query with '{ESCAPE}'."
        )
        return 1
    print("tenant scope: no queries outside repositories")
    return 0


if __name__ == "__main__":
    sys.exit(main())
