"""What the privacy checks cost on the predict path, python-stdnum against hand-written checks.

A privacy policy with ``maskInputs`` masks every stored predict input
(``governance.checks.privacy_mask`` -> ``ml.privacy.mask_record``). Since issue 19 the IBAN,
Luhn and SSN checks inside it are python-stdnum's instead of the module's own copies. This
script times, in one process, the working tree's ``urutiq_ai.ml.privacy`` and, with
``--ref``, the same module as it was at an older commit (read with ``git show``):

* each validator on a valid value (``iban_valid``, ``luhn_valid``, ``ssn_valid``);
* ``mask_record`` on a predict input whose memo holds an IBAN, a card number and an SSN,
  and on one that holds no personal data (the validators never run on it).

Both modules must mask the inputs the same way; the script stops otherwise. Figures are
the best of ``--repeat`` rounds of ``--number`` calls, in microseconds per call.

    .venv/bin/python benchmarks/privacy_masking.py --ref 8db75f6
"""

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODULE = "src/urutiq_ai/ml/privacy.py"
WITH_PII: dict[str, Any] = {
    "amount": 1234.56,
    "vendor": "ACME GmbH",
    "date": "2025-01-31",
    "memo": "Refund to DE89 3704 0044 0532 0130 00, card 4111 1111 1111 1111, SSN 536-22-1234",
    "invoice": "INV-000123",
}
WITHOUT_PII: dict[str, Any] = {
    "amount": 1234.56,
    "vendor": "ACME GmbH",
    "date": "2025-01-31",
    "memo": "Office supplies, Q1",
    "invoice": "INV-000123",
}


def load(path: Path, name: str) -> ModuleType:
    """Import the module file at ``path`` under ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_at(ref: str, folder: Path) -> ModuleType:
    """The privacy module as it was at commit ``ref``."""
    source = subprocess.run(
        ["git", "show", f"{ref}:{MODULE}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    path = folder / "privacy_at_ref.py"
    path.write_text(source)
    return load(path, "privacy_at_ref")


def cases(module: ModuleType) -> dict[str, Callable[[], object]]:
    """The timed calls, by label."""
    return {
        "iban_valid": lambda: module.iban_valid("DE89 3704 0044 0532 0130 00"),
        "luhn_valid": lambda: module.luhn_valid("4111111111111111"),
        "ssn_valid": lambda: module.ssn_valid("536-22-1234"),
        "mask_record, IBAN + card + SSN": lambda: module.mask_record(WITH_PII),
        "mask_record, no personal data": lambda: module.mask_record(WITHOUT_PII),
    }


def best_us(call: Callable[[], object], number: int, repeat: int) -> float:
    """The best round's microseconds per call."""
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="also time the module at this commit (e.g. 8db75f6)")
    parser.add_argument("--number", type=int, default=5000, help="calls per round")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the best is kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        modules = {"working tree": load(ROOT / MODULE, "privacy_now")}
        if args.ref:
            modules[args.ref] = load_at(args.ref, Path(folder))
        for label, module in modules.items():
            for record in (WITH_PII, WITHOUT_PII):
                if module.mask_record(record) != modules["working tree"].mask_record(record):
                    raise SystemExit(f"{label} masks {record} differently")
        columns = list(modules)
        print("| call | " + " | ".join(f"{c} (us)" for c in columns) + " |")
        print("| --- |" + " --- |" * len(columns))
        for case in cases(modules["working tree"]):
            figures = [best_us(cases(modules[c])[case], args.number, args.repeat) for c in columns]
            print(f"| {case} | " + " | ".join(f"{f:.1f}" for f in figures) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
