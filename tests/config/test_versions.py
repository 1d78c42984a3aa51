"""The pure part: each configuration type's schema, prompt placeholders, and the diff."""

from typing import Any

import pytest

from tests.config.conftest import VALID
from urutiq_ai.config.schemas import (
    BehaviorConfig,
    CategoriesConfig,
    ChangeKind,
    ConfigType,
    PromptsConfig,
    PromptTemplate,
    placeholders,
)
from urutiq_ai.config.versions import Change, diff, parse_config
from urutiq_ai.core.errors import ValidationError


def _fields(config_type: ConfigType, data: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        parse_config(config_type, data)
    assert refused.value.status_code == 422
    assert refused.value.detail.startswith(f"configData is not a valid {config_type.value}")
    return {f.field: f.reason for f in refused.value.fields}


class TestValidData:
    @pytest.mark.parametrize("config_type", list(ConfigType))
    def test_every_type_has_a_valid_example(self, config_type: ConfigType) -> None:
        parsed = parse_config(config_type, VALID[config_type])
        assert (
            parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
            == (VALID[config_type])
        )

    def test_behavior_defaults(self) -> None:
        parsed = parse_config(ConfigType.behavior, {})
        assert isinstance(parsed, BehaviorConfig)
        assert parsed.model_dump(by_alias=True) == {
            "autoRetrain": False,
            "correctionThreshold": 50,
            "confidenceFloor": 0.5,
            "retrainOnDrift": False,
            "retrainOnDecline": False,
            "retrainCooldownHours": 24.0,
        }

    def test_category_names(self) -> None:
        parsed = parse_config(ConfigType.categories, VALID[ConfigType.categories])
        assert isinstance(parsed, CategoriesConfig)
        assert parsed.names == ["software", "travel", "office"]

    def test_python_builds_one_by_field_name(self) -> None:
        built = BehaviorConfig(auto_retrain=True, confidence_floor=0.9)
        assert built.model_dump(by_alias=True, exclude_unset=True) == {
            "autoRetrain": True,
            "confidenceFloor": 0.9,
        }

    def test_a_type_given_as_text(self) -> None:
        assert isinstance(parse_config("prompts", VALID[ConfigType.prompts]), PromptsConfig)


class TestRefused:
    def test_not_an_object(self) -> None:
        assert set(_fields(ConfigType.categories, ["software"])) == {"configData"}
        assert set(_fields(ConfigType.behavior, None)) == {"configData"}

    def test_unknown_key_is_named(self) -> None:
        fields = _fields(ConfigType.behavior, {"autoRetrain": True, "colour": "blue"})
        assert fields == {"configData.colour": "unknown field"}

    def test_snake_case_keys_are_unknown(self) -> None:
        fields = _fields(ConfigType.behavior, {"auto_retrain": True})
        assert fields == {"configData.auto_retrain": "unknown field"}

    def test_values_are_strict(self) -> None:
        fields = _fields(
            ConfigType.behavior,
            {"autoRetrain": "yes", "correctionThreshold": 0, "confidenceFloor": 1.5},
        )
        assert set(fields) == {
            "configData.autoRetrain",
            "configData.correctionThreshold",
            "configData.confidenceFloor",
        }

    def test_categories_need_one(self) -> None:
        assert set(_fields(ConfigType.categories, {"categories": []})) == {"configData.categories"}
        assert set(_fields(ConfigType.categories, {})) == {"configData.categories"}

    def test_empty_category_name(self) -> None:
        data = {"categories": [{"name": "software"}, {"name": "  "}]}
        assert set(_fields(ConfigType.categories, data)) == {"configData.categories.1.name"}

    def test_duplicate_category_names_ignore_case(self) -> None:
        data = {"categories": [{"name": "software"}, {"name": "travel"}, {"name": "Software"}]}
        fields = _fields(ConfigType.categories, data)
        assert list(fields) == ["configData.categories.2.name"]
        assert "duplicate name 'Software'" in fields["configData.categories.2.name"]
        assert "categories.0.name" in fields["configData.categories.2.name"]

    def test_nested_unknown_key(self) -> None:
        data = {"categories": [{"name": "software", "colour": "blue"}]}
        assert _fields(ConfigType.categories, data) == {
            "configData.categories.0.colour": "unknown field"
        }

    def test_undeclared_placeholder(self) -> None:
        data = {"templates": {"t": {"text": "Hello {vendor} {amount}", "variables": ["vendor"]}}}
        fields = _fields(ConfigType.prompts, data)
        assert list(fields) == ["configData.templates.t.text"]
        assert "{amount}" in fields["configData.templates.t.text"]

    def test_unused_variable(self) -> None:
        data = {"templates": {"t": {"text": "Hello {vendor}", "variables": ["vendor", "x"]}}}
        fields = _fields(ConfigType.prompts, data)
        assert list(fields) == ["configData.templates.t.variables.1"]
        assert "'x'" in fields["configData.templates.t.variables.1"]

    @pytest.mark.parametrize(
        "text", ["Hello {vendor", "Hello }", "Hello {}", "Hello {0}", "Hi {a.b}", "Hi {a[0]}"]
    )
    def test_malformed_placeholders(self, text: str) -> None:
        data = {"templates": {"t": {"text": text, "variables": []}}}
        assert set(_fields(ConfigType.prompts, data)) == {"configData.templates.t.text"}

    def test_bad_template_name(self) -> None:
        data = {"templates": {"no spaces": {"text": "hi"}}}
        assert set(_fields(ConfigType.prompts, data)) == {"configData.templates.no spaces"}

    @pytest.mark.parametrize("day", ["02-29", "13-01", "04-31", "4-1", "April"])
    def test_fiscal_year_start(self, day: str) -> None:
        fields = _fields(ConfigType.industry, {"industry": "retail", "fiscalYearStart": day})
        assert set(fields) == {"configData.fiscalYearStart"}

    def test_industry_required(self) -> None:
        assert set(_fields(ConfigType.industry, {"region": "EU"})) == {"configData.industry"}

    def test_every_problem_is_named(self) -> None:
        data = {"categories": [{"name": ""}, {"name": 3}, {}]}
        assert set(_fields(ConfigType.categories, data)) == {
            "configData.categories.0.name",
            "configData.categories.1.name",
            "configData.categories.2.name",
        }


class TestPlaceholders:
    def test_names_in_order(self) -> None:
        assert placeholders("{a} and {b:>10} and {a!r}") == ["a", "b", "a"]

    def test_escaped_braces_are_literal(self) -> None:
        assert placeholders('JSON like {{"x": 1}} for {vendor}') == ["vendor"]
        template = PromptTemplate(text="{{literal}} {vendor}", variables=["vendor"])
        assert template.problems() == []

    def test_render(self) -> None:
        template = PromptTemplate(
            text="Spend at {vendor}: {amount:.2f}", variables=["vendor", "amount"]
        )
        assert template.render({"vendor": "Acme", "amount": 3.5, "extra": 1}) == (
            "Spend at Acme: 3.50"
        )
        with pytest.raises(KeyError, match="amount"):
            template.render({"vendor": "Acme"})


def _changes(a: Any, b: Any) -> list[tuple[str, str, Any, Any]]:
    return [(c.path, c.kind.value, c.old, c.new) for c in diff(a, b)]


class TestDiff:
    def test_equal_values(self) -> None:
        assert diff(VALID[ConfigType.prompts], VALID[ConfigType.prompts]) == []
        assert diff({"a": 1, "b": [1, 2]}, {"b": [1, 2.0], "a": 1.0}) == []

    def test_scalars_and_keys(self) -> None:
        old = {"autoRetrain": False, "correctionThreshold": 50}
        new = {"autoRetrain": True, "confidenceFloor": 0.7}
        assert _changes(old, new) == [
            ("autoRetrain", "changed", False, True),
            ("correctionThreshold", "removed", 50, None),
            ("confidenceFloor", "added", None, 0.7),
        ]

    def test_true_is_not_one(self) -> None:
        assert _changes({"a": 1}, {"a": True}) == [("a", "changed", 1, True)]

    def test_nested_path(self) -> None:
        old = {"templates": {"t": {"text": "Hi {v}", "variables": ["v"]}}}
        new = {"templates": {"t": {"text": "Hello {v}", "variables": ["v"]}}}
        assert _changes(old, new) == [("templates.t.text", "changed", "Hi {v}", "Hello {v}")]

    def test_inserted_item_is_one_addition(self) -> None:
        old = {"categories": [{"name": "b"}, {"name": "c"}]}
        new = {"categories": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}
        assert _changes(old, new) == [("categories.0", "added", None, {"name": "a"})]

    def test_removed_item_is_named_by_its_old_index(self) -> None:
        old = {"categories": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}
        new = {"categories": [{"name": "a"}, {"name": "c"}]}
        assert _changes(old, new) == [("categories.1", "removed", {"name": "b"}, None)]

    def test_changed_item_is_compared_inside(self) -> None:
        old = {"categories": [{"name": "a"}, {"name": "b", "description": "x"}]}
        new = {"categories": [{"name": "a"}, {"name": "b", "description": "y"}]}
        assert _changes(old, new) == [("categories.1.description", "changed", "x", "y")]

    def test_replaced_block_of_different_lengths(self) -> None:
        assert _changes([1, 2, 3, 9], [1, 5, 9]) == [
            ("1", "changed", 2, 5),
            ("2", "removed", 3, None),
        ]

    def test_different_kinds_of_value(self) -> None:
        assert _changes({"a": [1]}, {"a": {"x": 1}}) == [("a", "changed", [1], {"x": 1})]
        assert _changes([1], {"x": 1}) == [("", "changed", [1], {"x": 1})]

    def test_change_is_a_value(self) -> None:
        assert diff({"a": 1}, {}) == [Change("a", ChangeKind.removed, old=1)]
