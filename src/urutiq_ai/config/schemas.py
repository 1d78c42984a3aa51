"""AIConfig on the wire, and what each configuration type's ``configData`` may hold.

Every AIConfig row is one version of a company's configuration of one type. ``configData``
is checked against its type's schema below on save (422 naming ``configData.<path>``):
unknown keys are refused, values are taken strictly (``"true"`` is not a boolean).

* ``categories``: the expense categories the classifier may use,
  ``{"categories": [{"name": "software", "description": "..."}]}``; names unique
  (ignoring case), non-empty.
* ``prompts``: ``{"templates": {"vendor_summary": {"text": "Summarise {vendor}",
  "variables": ["vendor"]}}}``; every ``{placeholder}`` of a text is declared in its
  ``variables`` and every declared variable is used (``{{``/``}}`` are literal braces).
* ``behavior``: ``{"autoRetrain": false, "correctionThreshold": 50, "confidenceFloor":
  0.5}``, each optional (the defaults shown).
* ``industry``: ``{"industry": "retail", "region": "EU", "fiscalYearStart": "04-01",
  "currency": "EUR"}``, all but ``industry`` optional.
"""

import string
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
)

from urutiq_ai.config.types import ConfigType as ConfigType
from urutiq_ai.core.naming import to_camel
from urutiq_ai.core.schemas import CompanyOwnedRead, Json, Name, ReadSchema, RequestSchema

# --- configData per type -----------------------------------------------------------------

DataPath = tuple[str | int, ...]
"""Where in ``configData`` a problem is: keys and list indexes."""


class ConfigData(BaseModel):
    """The ``configData`` of one configuration type: unknown keys refused, values strict.

    Python code builds one by field name (``BehaviorConfig(auto_retrain=True)``); stored
    data is read with :meth:`from_data`, which takes the camelCase keys only."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
    )

    @classmethod
    def from_data(cls, data: Any) -> Self:
        """``configData`` as stored or sent: camelCase keys only (``auto_retrain`` is an
        unknown key there). Raises pydantic's ValidationError; :meth:`problems` comes next."""
        return cls.model_validate(data, by_alias=True, by_name=False)

    def problems(self) -> list[tuple[DataPath, str]]:
        """What the field types cannot say (unique names, declared variables)."""
        return []


class Category(ConfigData):
    name: Name
    description: Annotated[str, StringConstraints(max_length=2_000)] | None = None


class CategoriesConfig(ConfigData):
    categories: list[Category] = Field(min_length=1, max_length=1_000)

    def problems(self) -> list[tuple[DataPath, str]]:
        seen: dict[str, int] = {}
        found: list[tuple[DataPath, str]] = []
        for index, category in enumerate(self.categories):
            key = category.name.casefold()
            if key in seen:
                found.append(
                    (
                        ("categories", index, "name"),
                        f"duplicate name {category.name!r} (also categories.{seen[key]}.name)",
                    )
                )
            else:
                seen[key] = index
        return found

    @property
    def names(self) -> list[str]:
        return [category.name for category in self.categories]


Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
TemplateName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=100)
]


def placeholders(text: str) -> list[str]:
    """The names of the ``{placeholders}`` of ``text``, in order (``{{`` is a literal brace).

    Raises ValueError for unbalanced braces, positional ``{}``/``{0}`` placeholders and
    attribute or index access (``{a.b}``, ``{a[0]}``): a prompt names its variables.
    """
    names: list[str] = []
    for _literal, field, _spec, _conversion in string.Formatter().parse(text):
        if field is None:
            continue
        if field == "" or field.isdigit():
            raise ValueError(f"positional placeholder {{{field}}}: name the variable")
        if not field.isidentifier():
            raise ValueError(f"placeholder {{{field}}} is not a plain variable name")
        names.append(field)
    return names


class PromptTemplate(ConfigData):
    text: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    variables: list[Identifier] = Field(default_factory=list, max_length=100)
    description: Annotated[str, StringConstraints(max_length=2_000)] | None = None

    def problems(self) -> list[tuple[DataPath, str]]:
        try:
            used = placeholders(self.text)
        except ValueError as exc:
            return [(("text",), str(exc))]
        found: list[tuple[DataPath, str]] = []
        first: dict[str, int] = {}
        for index, name in enumerate(self.variables):
            if name in first:
                found.append((("variables", index), f"{name!r} is declared twice"))
                continue
            first[name] = index
            if name not in used:
                found.append(
                    (
                        ("variables", index),
                        f"{name!r} is declared but the text never uses {{{name}}}",
                    )
                )
        undeclared = sorted(set(used) - set(self.variables))
        if undeclared:
            listed = ", ".join(f"{{{name}}}" for name in undeclared)
            found.append((("text",), f"uses {listed}, not declared in variables"))
        return found

    def render(self, values: Mapping[str, Any]) -> str:
        """The text with its variables filled in (KeyError naming a missing one)."""
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise KeyError(f"no value for {', '.join(missing)}")
        return self.text.format_map({name: values[name] for name in self.variables})


class PromptsConfig(ConfigData):
    templates: dict[TemplateName, PromptTemplate] = Field(min_length=1, max_length=200)

    def problems(self) -> list[tuple[DataPath, str]]:
        return [
            (("templates", name, *path), reason)
            for name, template in self.templates.items()
            for path, reason in template.problems()
        ]


class BehaviorConfig(ConfigData):
    auto_retrain: bool = False
    """Retrain a model by itself once enough corrections came in."""
    correction_threshold: int = Field(default=50, ge=1, le=1_000_000)
    """How many corrections (feedback) make a retrain worth it."""
    confidence_floor: float = Field(default=0.5, ge=0.0, le=1.0)
    """Predictions less confident than this go to a person for review."""
    retrain_on_drift: bool = False
    """Retrain a model (a challenger and an experiment) when a drift check finds data drift
    in its inputs as a whole, or concept drift."""
    retrain_on_decline: bool = False
    """Retrain a model when a performance window of its quality metric declines."""
    retrain_cooldown_hours: float = Field(default=24.0, ge=0.0, le=24.0 * 365)
    """No new retraining of a model for drift or decline sooner than this after the last
    retraining of it (whatever started that one)."""


def _month_day(value: str) -> str:
    try:
        date.fromisoformat(f"2001-{value}")  # not a leap year: no 02-29
    except ValueError:
        raise ValueError(f"{value!r} is not a day of the year as MM-DD") from None
    return value


MonthDay = Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$"), AfterValidator(_month_day)]


class IndustryConfig(ConfigData):
    industry: Name
    region: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None
    ) = None
    fiscal_year_start: MonthDay | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None


CONFIG_SCHEMAS: Mapping[ConfigType, type[ConfigData]] = {
    ConfigType.categories: CategoriesConfig,
    ConfigType.prompts: PromptsConfig,
    ConfigType.behavior: BehaviorConfig,
    ConfigType.industry: IndustryConfig,
}


# --- the resource --------------------------------------------------------------------------

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)]


class AIConfigCreate(RequestSchema):
    """A new version of the company's configuration of ``configType``. It becomes the active
    one unless ``isActive`` is false (a draft, activated later)."""

    config_type: ConfigType
    config_data: Json
    is_active: bool = True
    note: Note | None = None


class AIConfigUpdate(RequestSchema):
    """Versions are history: only their note changes. A new version is a POST; which one is
    active changes with ``POST /configs/{id}/activate``."""

    note: Note | None = None


class AIConfigRead(CompanyOwnedRead):
    config_type: ConfigType
    config_data: JsonValue
    is_active: bool
    version: int
    created_by: str | None = None
    note: str | None = None


class ChangeKind(StrEnum):
    added = "added"
    removed = "removed"
    changed = "changed"


class ConfigChange(ReadSchema):
    """One difference: ``path`` is dotted (``categories.2.name``; ``""`` the whole value);
    ``old`` is null for ``added``, ``new`` null for ``removed``."""

    path: str
    kind: ChangeKind
    old: JsonValue = None
    new: JsonValue = None


class ConfigDiff(ReadSchema):
    """What changed from one version to another (``GET /configs/diff?from=&to=``)."""

    config_type: ConfigType
    from_id: str
    to_id: str
    from_version: int
    to_version: int
    changes: list[ConfigChange]


__all__ = [
    "CONFIG_SCHEMAS",
    "AIConfigCreate",
    "AIConfigRead",
    "AIConfigUpdate",
    "BehaviorConfig",
    "CategoriesConfig",
    "Category",
    "ChangeKind",
    "ConfigChange",
    "ConfigData",
    "ConfigDiff",
    "ConfigType",
    "IndustryConfig",
    "PromptTemplate",
    "PromptsConfig",
    "placeholders",
]
