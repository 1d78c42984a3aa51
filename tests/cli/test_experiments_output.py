"""The online line of ``experiments show``: outcomes per arm, the z-test and the sample size
the test still needs (before, only ``--json`` showed them)."""

from urutiq_ai.cli.experiments import _online_line


def test_a_compared_split_shows_the_test_and_what_it_still_needs() -> None:
    online = {
        "arms": {"baseline": {"outcomes": 35}, "current": {"outcomes": 25}},
        "test": {"pA": 0.6, "pB": 0.92, "pValue": 0.0019},
        "requiredPerArm": 33534,
        "moreNeeded": 33509,
        "metrics": {"accuracy": {}},
        "verdict": {"summary": "accuracy rose"},
    }
    assert _online_line(online) == (
        "Online outcomes: baseline 35 / current 25; two-proportion z-test: accuracy 0.600 ->"
        " 0.920, p=0.0019; 33534 per arm detect the target difference (33509 more per arm"
        " needed)"
    )


def test_enough_outcomes_say_so() -> None:
    online = {
        "arms": {"baseline": {"outcomes": 500}, "current": {"outcomes": 500}},
        "test": {"pA": 0.6, "pB": 0.7, "pValue": 0.001},
        "requiredPerArm": 400,
        "moreNeeded": 0,
        "metrics": {"accuracy": {}},
    }
    assert _online_line(online).endswith("400 per arm detect the target difference (enough)")


def test_no_outcomes_yet_gives_the_reason() -> None:
    online = {
        "arms": {"baseline": {"outcomes": 0}, "current": {"outcomes": 3}},
        "verdict": {"status": "inconclusive", "summary": "no outcomes yet for baseline"},
    }
    assert _online_line(online) == (
        "Online outcomes: baseline 0 / current 3; no outcomes yet for baseline"
    )
