"""Functions named ``"package.module:function"``, imported when first called."""

import importlib
from collections.abc import Iterable
from functools import cached_property
from typing import Any


def import_reference(reference: str) -> Any:
    """The attribute ``reference`` (``"package.module:attribute"``) names."""
    module_name, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


class Reference:
    """A callable that imports the function it names on its first call (a registry of
    hooks costs nothing until one runs)."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        self.__name__ = reference.rpartition(":")[2]

    @cached_property
    def function(self) -> Any:
        return import_reference(self.reference)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Reference({self.reference!r})"


def references(names: Iterable[str]) -> list[Any]:
    """A list of :class:`Reference` (typed loosely: each registry types its own hooks)."""
    return [Reference(name) for name in names]
