"""``feedbackData`` per feedback type, checked by one pydantic model per type: each bad
value is named ``feedbackData.<key>`` with its reason, and what was accepted before still is
(other keys kept, integral float stars, any label or number as a correction)."""

from typing import Any

import pytest

from urutiq_ai.core.errors import FieldError
from urutiq_ai.feedback.schemas import FeedbackType
from urutiq_ai.feedback.service import data_errors


@pytest.mark.parametrize(
    ("feedback_type", "data", "field", "reason"),
    [
        ("correction", None, "feedbackData.correctValue", "required for a correction feedback"),
        ("correction", {}, "feedbackData.correctValue", "required for a correction feedback"),
        (
            "correction",
            {"correctValue": None},
            "feedbackData.correctValue",
            "required for a correction feedback",
        ),
        ("correction", {"correctValue": [1]}, "feedbackData.correctValue", "not an object"),
        ("correction", {"correctValue": "  "}, "feedbackData.correctValue", "may not be empty"),
        ("correction", {"correctValue": "x" * 256}, "feedbackData.correctValue", "at most 255"),
        ("correction", {"correctValue": float("inf")}, "feedbackData.correctValue", "finite"),
        ("correction", "travel", "feedbackData", "must be a JSON object with 'correctValue'"),
        ("rating", {"stars": 2.5}, "feedbackData.stars", "from 1 to 5, got 2.5"),
        ("rating", {"stars": 6}, "feedbackData.stars", "from 1 to 5, got 6"),
        ("rating", {"stars": True}, "feedbackData.stars", "a whole number of stars"),
        ("rating", {"stars": float("nan")}, "feedbackData.stars", "a whole number of stars"),
        ("rating", {"score": 5}, "feedbackData.stars", "required for a rating feedback"),
        ("comment", {"text": " "}, "feedbackData.text", "a non-empty text"),
        ("comment", {"text": "x" * 100_001}, "feedbackData.text", "at most 100000 characters"),
        ("flag", {"reason": 3}, "feedbackData.reason", "valid string"),
        ("flag", {"reason": "x" * 1_001}, "feedbackData.reason", "at most 1000 characters"),
        ("flag", {"reason": None}, "feedbackData.reason", "required for a flag feedback"),
        ("flag", {"reason": "odd", "ignored": None}, "feedbackData.ignored", "by the system"),
    ],
)
def test_each_bad_value_is_named_with_its_reason(
    feedback_type: str, data: Any, field: str, reason: str
) -> None:
    errors = data_errors(FeedbackType(feedback_type), data)
    assert [error.field for error in errors] == [field], errors
    assert reason in errors[0].reason, errors


def test_every_problem_at_once_the_system_keys_first() -> None:
    errors = data_errors(FeedbackType.rating, {"stars": 0, "usedBy": [], "applied": {}})
    assert errors == [
        FieldError("feedbackData.applied", "written by the system, not by a request"),
        FieldError("feedbackData.usedBy", "written by the system, not by a request"),
        FieldError("feedbackData.stars", "a whole number of stars from 1 to 5, got 0"),
    ]


@pytest.mark.parametrize(
    ("feedback_type", "data"),
    [
        ("correction", {"correctValue": "travel", "note": "it was a flight"}),
        ("correction", {"correctValue": 12.5}),
        ("correction", {"correctValue": True}),
        ("correction", {"correctValue": 0, "used_by": "a key of the user's own"}),
        ("rating", {"stars": 4.0}),
        ("rating", {"stars": 1, "comment": {"any": ["json"]}}),
        ("comment", {"text": "nice"}),
        ("flag", {"reason": "odd"}),
    ],
)
def test_good_data_passes_as_written(feedback_type: str, data: Any) -> None:
    before = dict(data)
    assert data_errors(FeedbackType(feedback_type), data) == []
    assert data == before
