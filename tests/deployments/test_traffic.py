"""Traffic through a deployment: sticky splits, shadow models, ensembles, live figures."""

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from fastapi import FastAPI

from tests.api.payloads import assert_error
from tests.deployments.conftest import ROW, VENDOR_ROWS, Api
from urutiq_ai.core.db import utcnow
from urutiq_ai.deployments.figures import write_live_figures
from urutiq_ai.deployments.live import ERROR, Key, LiveStats
from urutiq_ai.deployments.schemas import ServedMember, ServedRole, served_members


def split(first: str, second: str, weight: float = 0.5, **extra: object) -> dict[str, object]:
    return {
        "traffic": [
            {"modelId": first, "weight": 1 - weight},
            {"modelId": second, "weight": weight},
        ],
        **extra,
    }


class TestSplit:
    def test_sticky_per_entity_key(self, api: Api, two_versions: tuple[str, str]) -> None:
        first, second = two_versions
        deployment = api.deploy(first, config=split(first, second))
        seen: dict[str, set[str]] = defaultdict(set)
        for round_ in range(3):
            for i in range(40):
                key = f"vendor-{i}"
                body = {"row": ROW, "entityKey": key}
                answer = api.predict("expenses", body).json()["predictions"][0]
                seen[key].add(answer["modelId"])
                expected = "champion" if answer["modelId"] == first else "challenger"
                assert answer["variant"] == expected
            del round_
        assert all(len(models) == 1 for models in seen.values())
        shares = Counter(next(iter(models)) for models in seen.values())
        assert set(shares) == {first, second}
        stored = api.stored(deploymentId=deployment["id"])
        assert len(stored) == 120
        assert {row["variant"] for row in stored} == {"champion", "challenger"}

    def test_sticky_key_field_of_the_row(self, api: Api, two_versions: tuple[str, str]) -> None:
        first, second = two_versions
        api.deploy(first, config=split(first, second, stickyKey="vendorName"))
        rows = VENDOR_ROWS * 5
        answers = api.predict("expenses", {"rows": rows}).json()["predictions"]
        by_vendor: dict[str, set[str]] = defaultdict(set)
        for row, answer in zip(rows, answers, strict=True):
            by_vendor[row["vendorName"]].add(answer["modelId"])
        assert all(len(models) == 1 for models in by_vendor.values())

    def test_weights_must_sum_to_one(self, api: Api, two_versions: tuple[str, str]) -> None:
        first, second = two_versions
        config = {
            "traffic": [{"modelId": first, "weight": 0.5}, {"modelId": second, "weight": 0.4}]
        }
        body = {"deploymentName": "x", "modelId": first, "environment": "staging", "config": config}
        assert_error(api.post("deployments", body), 422, fields=("config",))
        assert api.get("deployments").json()["items"] == []

    def test_a_challenger_with_other_features_is_refused(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, _ = two_versions
        other = api.train(modelName="narrow", featureColumns=["vendorName", "amount"])
        body = {
            "deploymentName": "x",
            "modelId": first,
            "environment": "staging",
            "config": split(first, other),
        }
        body_error = assert_error(
            api.post("deployments", body), 422, fields=("config.traffic.1.modelId",)
        )
        assert "feature columns differ" in str(body_error["fields"])

    def test_the_champion_must_have_a_share(self, api: Api, two_versions: tuple[str, str]) -> None:
        first, second = two_versions
        third = api.train(hyperparameters={"n_estimators": 5})
        config = {
            "traffic": [{"modelId": second, "weight": 0.5}, {"modelId": third, "weight": 0.5}]
        }
        body = {"deploymentName": "x", "modelId": first, "environment": "staging", "config": config}
        assert_error(api.post("deployments", body), 422, fields=("config.traffic",))

    def test_sticky_key_must_be_an_input_field(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        config = split(first, second, stickyKey="invoiceId")
        body = {"deploymentName": "x", "modelId": first, "environment": "staging", "config": config}
        assert_error(api.post("deployments", body), 422, fields=("config.stickyKey",))


class TestShadow:
    def test_shadow_is_scored_and_stored_never_returned(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment = api.deploy(first, config={"shadow": [second]})
        body = api.predict("expenses", {"rows": VENDOR_ROWS}).json()
        assert {p["modelId"] for p in body["predictions"]} == {first}
        assert len(body["predictions"]) == len(VENDOR_ROWS)
        stored = api.stored(deploymentId=deployment["id"])
        assert Counter(row["variant"] for row in stored) == {"champion": 4, "shadow": 4}
        assert {row["modelId"] for row in stored if row["variant"] == "shadow"} == {second}

    def test_no_log_stores_nothing(self, api: Api, two_versions: tuple[str, str]) -> None:
        first, second = two_versions
        deployment = api.deploy(first, config={"shadow": [second]})
        body = api.predict("expenses", {"row": ROW, "log": False}).json()
        assert body["predictions"][0]["predictionId"] is None
        assert api.stored(deploymentId=deployment["id"]) == []


class TestEnsemble:
    @pytest.mark.parametrize("method", ["average", "vote", "stacking"])
    def test_members_answer_together(
        self, api: Api, two_versions: tuple[str, str], method: str
    ) -> None:
        first, second = two_versions
        config = {
            "ensemble": {
                "method": method,
                "models": [{"modelId": first}, {"modelId": second, "weight": 2}],
            }
        }
        deployment = api.deploy(first, config=config)
        assert deployment["status"] == "active", deployment["healthCheck"]
        body = api.predict("expenses", {"rows": VENDOR_ROWS}).json()
        labels = [p["prediction"] for p in body["predictions"]]
        assert labels == ["software", "travel", "office", "telecom"]
        assert {p["variant"] for p in body["predictions"]} == {"ensemble"}
        for p in body["predictions"]:
            assert sum(p["probabilities"].values()) == pytest.approx(1.0)
        stored = api.stored(deploymentId=deployment["id"])
        assert len(stored) == 4

    def test_vote_is_refused_for_regression(self, api: Api) -> None:
        first = api.train(
            modelName="cost",
            modelType="regression",
            targetColumn="cost",
            featureColumns=["vendorName", "amount"],
            algorithm="linear_regression",
            hyperparameters={},
        )
        second = api.train(
            modelName="cost",
            modelType="regression",
            targetColumn="cost",
            featureColumns=["vendorName", "amount"],
            algorithm="random_forest",
            hyperparameters={"n_estimators": 10},
        )
        config = {
            "ensemble": {"method": "vote", "models": [{"modelId": first}, {"modelId": second}]}
        }
        body = {"deploymentName": "x", "modelId": first, "environment": "staging", "config": config}
        assert_error(api.post("deployments", body), 422, fields=("config.ensemble.method",))


class TestLiveFigures:
    def test_requests_are_counted_and_written_in_one_flush(
        self, api: Api, app: FastAPI, two_versions: tuple[str, str]
    ) -> None:
        deployment = api.deploy(two_versions[0])
        for _ in range(5):
            assert api.predict("expenses", {"row": ROW}).status_code == 200
        assert api.predict("expenses", {"row": {"vendorName": "AWS"}}).status_code == 422
        assert api.get(f"deployments/{deployment['id']}").json()["performance"] is None
        write_live_figures(app.state.runtime, app.state.live)
        performance = api.get(f"deployments/{deployment['id']}").json()["performance"]
        assert (performance["requests"], performance["rejected"], performance["errors"]) == (
            6,
            1,
            0,
        )
        assert performance["rows"] == 6
        assert 0 < performance["p50Ms"] <= performance["p95Ms"] <= performance["p99Ms"]
        assert performance["version"] == 1

    def test_two_processes_add_up(
        self, api: Api, app: FastAPI, two_versions: tuple[str, str]
    ) -> None:
        deployment = api.deploy(two_versions[0])
        key = Key(api.tenant.id, api.tenant.company_id, deployment["id"], 1)
        for source, count in (("replica-a", 3), ("replica-b", 4)):
            stats = LiveStats(source)
            for _ in range(count):
                stats.record(key, latency_ms=5.0, rows=1, outcome="ok")
            write_live_figures(app.state.runtime, stats)
        performance = api.get(f"deployments/{deployment['id']}").json()["performance"]
        assert performance["requests"] == 7
        assert set(performance["sources"]) == {"replica-a", "replica-b"}

    def test_error_rate_after_a_release_rolls_back(
        self, api: Api, app: FastAPI, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment = api.deploy(first)
        config = {"rollback": {"maxErrorRate": 0.1, "minRequests": 10}}
        api.verb(deployment["id"], "release", {"modelId": second, "config": config})
        stats = LiveStats("replica")
        key = Key(api.tenant.id, api.tenant.company_id, deployment["id"], 2)
        for i in range(20):
            stats.record(key, latency_ms=3.0, rows=1, outcome=ERROR if i % 4 == 0 else "ok")
        write_live_figures(app.state.runtime, stats)
        now = api.get(f"deployments/{deployment['id']}").json()
        assert (now["modelId"], now["version"], now["status"]) == (first, 3, "active")
        reason = api.revisions(deployment["id"])[0]["reason"]
        assert "error rate 25.0% over 20 requests" in reason

    def test_errors_after_the_watch_window_do_not_roll_back(
        self, api: Api, app: FastAPI, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        deployment = api.deploy(first)
        config = {"rollback": {"maxErrorRate": 0.1, "minRequests": 10, "watchSeconds": 60}}
        api.verb(deployment["id"], "release", {"modelId": second, "config": config})
        stats = LiveStats("replica")
        key = Key(api.tenant.id, api.tenant.company_id, deployment["id"], 2)
        later = utcnow() + timedelta(minutes=5)
        for _ in range(20):
            stats.record(key, latency_ms=3.0, rows=1, outcome=ERROR, now=later)
        write_live_figures(app.state.runtime, stats, now=later)
        now = api.get(f"deployments/{deployment['id']}").json()
        assert (now["modelId"], now["version"]) == (second, 2)
        assert now["performance"]["errorRate"] == 1.0


class TestServedMembers:
    """Which models a revision served, from its model and stored config."""

    def test_a_sole_model(self) -> None:
        assert served_members("a", None) == [ServedMember("a", ServedRole.champion, None)]

    def test_split_shadow_and_ensemble(self) -> None:
        config = {
            "traffic": [{"modelId": "a", "weight": 0.6}, {"modelId": "b", "weight": 0.4}],
            "shadow": ["c"],
        }
        assert served_members("a", config) == [
            ServedMember("a", ServedRole.champion, 0.6),
            ServedMember("b", ServedRole.challenger, 0.4),
            ServedMember("c", ServedRole.shadow, None),
        ]
        ensemble = {
            "ensemble": {
                "method": "average",
                "models": [{"modelId": "a", "weight": 2.0}, {"modelId": "d"}],
            }
        }
        assert served_members("a", ensemble) == [
            ServedMember("a", ServedRole.champion, 2.0),
            ServedMember("d", ServedRole.ensemble, 1.0),
        ]
