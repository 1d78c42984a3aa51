"""Serving through a deployment: the revision's champion, its traffic split (sticky per
entity key), shadow models and ensembles; every prediction stored with the deployment, its
revision and the part its model played.

* Split: each row goes to one model of ``config.traffic``, chosen by a hash of its entity
  key (the row's ``config.stickyKey`` field, else (also when that field is empty) the
  request's ``entityKey``) salted with
  the deployment id, so one entity always sees one model while the split stands. A row
  without a key is assigned at random.
* Shadow: every ``config.shadow`` model scores every row; stored (``variant`` ``shadow``),
  never returned; a shadow that fails is logged and never fails the answer.
* Ensemble: every member scores every row; the answer combines them (``average``,
  ``vote``, or the stacking meta-model fitted at release), stored once under the
  deployment's model with ``variant`` ``ensemble``.

Imported lazily by the predictions router (it loads the ML stack).
"""

import logging
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import detached_copy, new_id, utcnow
from urutiq_ai.core.errors import AppError, FieldError, ValidationError
from urutiq_ai.deployments import queries as deployment_queries
from urutiq_ai.deployments.models import AIDeployment, DeploymentRevision
from urutiq_ai.deployments.schemas import DeploymentConfig, Environment
from urutiq_ai.ml import ensemble
from urutiq_ai.ml.predict import PredictionOut, to_jsonable
from urutiq_ai.predictions import serving
from urutiq_ai.predictions.schemas import DeployedPrediction, DeploymentPredictResponse
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.models import AIModel, ModelArtifact

CHAMPION, CHALLENGER, SHADOW, ENSEMBLE = "champion", "challenger", "shadow", "ensemble"
logger = logging.getLogger("urutiq_ai.deployments")


@dataclass(frozen=True)
class ServedDeployment:
    """What a predict request through a deployment needs, read once and kept briefly
    (its model and artifact rows are copies that belong to no session)."""

    deployment_id: str
    deployment_name: str
    environment: Environment
    version: int
    tenant_id: str
    company_id: str
    config: DeploymentConfig
    state: dict[str, Any] | None
    champion_id: str
    members: dict[str, tuple[AIModel, ModelArtifact]]


class ServedDeployments:
    """Served deployments by (tenant, company, name, environment), kept ``ttl`` seconds;
    any change to a deployment, revision, model or artifact in this process clears them
    (another replica's change is seen within the TTL)."""

    def __init__(self, ttl: float = serving.SERVED_TTL_SECONDS) -> None:
        self._ttl = ttl
        self._items: dict[tuple[str, str, str, str], tuple[float, ServedDeployment]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str, str]) -> ServedDeployment | None:
        with self._lock:
            entry = self._items.get(key)
        if entry is None or time.monotonic() > entry[0]:
            return None
        return entry[1]

    def put(self, key: tuple[str, str, str, str], served: ServedDeployment) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + self._ttl, served)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


SERVED = ServedDeployments()


CHANGED = "urutiq.deployments_changed"


@event.listens_for(Session, "after_flush")
def _drop_changed(session: Session, _context: Any) -> None:
    kinds = AIDeployment | DeploymentRevision | AIModel | ModelArtifact
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, kinds) for obj in changed):
        SERVED.clear()
        session.info[CHANGED] = True


@event.listens_for(Session, "after_commit")
def _drop_committed(session: Session) -> None:
    """Again once the change is committed: a request that read the old revision between
    the flush and the commit (PostgreSQL) must not keep it cached."""
    if session.info.pop(CHANGED, False):
        SERVED.clear()


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, _previous: Any) -> None:
    """A revision read after an uncommitted change (then rolled back) must not stay cached."""
    if session.info.pop(CHANGED, False):
        SERVED.clear()


def resolve(
    session: Session, ctx: TenantContext, name: str, environment: Environment
) -> ServedDeployment:
    """The serving revision of deployment ``name`` in ``environment`` (404 / 409)."""
    (company_id,) = ctx.company_ids
    key = (ctx.tenant_id, company_id, name, environment.value)
    hit = SERVED.get(key)
    if hit is not None:
        return hit
    deployment = deployment_queries.find(session, ctx, name, environment)
    revision = deployment_queries.serving_revision(session, ctx, deployment)
    config = DeploymentConfig.model_validate(revision.config or {})
    ids = [revision.model_id, *config.model_ids()]
    members = {}
    for model_id in dict.fromkeys(ids):
        model, artifact = registry_service.get_model_with_artifact(session, ctx, model_id)
        artifact = registry_service.require_artifact(model, artifact)
        members[model_id] = (detached_copy(model), detached_copy(artifact))
    served = ServedDeployment(
        deployment_id=deployment.id,
        deployment_name=deployment.deployment_name,
        environment=deployment.environment,
        version=deployment.version,
        tenant_id=deployment.tenant_id,
        company_id=deployment.company_id,
        config=config,
        state=revision.state,
        champion_id=revision.model_id,
        members=members,
    )
    SERVED.put(key, served)
    return served


@dataclass
class Answer:
    """One row's answer and who gave it."""

    model: AIModel
    variant: str
    out: PredictionOut


@dataclass
class Answered:
    """A request's answer, and the prediction records to store for it (none when its
    ``log`` is off): scored, not written yet."""

    response: DeploymentPredictResponse
    champion: AIModel
    records: list[dict[str, Any]]


def predict(
    session: Session,
    ctx: TenantContext,
    served: ServedDeployment,
    *,
    rows: list[dict[str, Any]],
    entity_key: str | None,
    log: bool,
    store: ArtifactStore,
) -> DeploymentPredictResponse:
    """Answer ``rows`` through the deployment; store every answer (and shadow scores)."""
    answered = answer(served, rows=rows, entity_key=entity_key, log=log, store=store)
    if answered.records:
        serving.store_predictions(session, ctx, answered.champion, answered.records)
    return answered.response


@dataclass(frozen=True)
class PredictInput:
    """One request's rows, the entity its split keeps on one model, and whether to log."""

    rows: list[dict[str, Any]]
    entity_key: str | None
    log: bool


def answer(
    served: ServedDeployment,
    *,
    rows: list[dict[str, Any]],
    entity_key: str | None,
    log: bool,
    store: ArtifactStore,
) -> Answered:
    """Score ``rows`` through the deployment (422 for rows that do not fit); no database."""
    (result,) = answer_many(served, [PredictInput(rows, entity_key, log)], store)
    if isinstance(result, AppError):
        raise result
    return result


def answer_many(
    served: ServedDeployment, inputs: list[PredictInput], store: ArtifactStore
) -> list[Answered | AppError]:
    """Several requests through the deployment at once: their rows are scored together
    (one scorer call per model, the same numbers as one request at a time), then handed
    back per request. A request whose rows do not fit gets its 422 instead; no database."""
    results: list[Answered | AppError | None] = [None] * len(inputs)
    accepted: list[int] = []
    for index, item in enumerate(inputs):
        try:
            _check(served, item.rows)
            accepted.append(index)
        except AppError as exc:
            results[index] = exc
    if accepted:
        rows = [row for i in accepted for row in inputs[i].rows]
        keys = [inputs[i].entity_key for i in accepted for _ in inputs[i].rows]
        started = time.perf_counter()
        answers = _answers(served, rows, keys, store)
        shadows = [
            _shadow(served, model_id, rows, store) for model_id in served.config.shadow or []
        ]
        latency_ms = round((time.perf_counter() - started) * 1000, 3)
        start = 0
        for index in accepted:
            part = slice(start, start + len(inputs[index].rows))
            start = part.stop
            own_shadows = [(model, outs[part]) for model, outs in shadows]
            results[index] = _answered(
                served, inputs[index], answers[part], own_shadows, latency_ms
            )
    return [result for result in results if result is not None]


def _check(served: ServedDeployment, rows: list[dict[str, Any]]) -> None:
    if len(rows) > served.config.max_batch:
        raise ValidationError(
            f"this deployment takes at most {served.config.max_batch} rows per request",
            fields=[FieldError("rows", f"{len(rows)} rows, over config.maxBatch")],
        )
    champion, artifact = served.members[served.champion_id]
    serving.check_rows(champion, artifact, rows)


def _answers(
    served: ServedDeployment,
    rows: list[dict[str, Any]],
    entity_keys: list[str | None],
    store: ArtifactStore,
) -> list[Answer]:
    config = served.config
    if config.ensemble is not None:
        return _ensemble(served, rows, store)
    if config.traffic is not None:
        return _split(served, rows, entity_keys, store)
    champion = served.members[served.champion_id][0]
    return [Answer(champion, CHAMPION, out) for out in _score(served, champion.id, rows, store)]


def _answered(
    served: ServedDeployment,
    item: PredictInput,
    answers: list[Answer],
    shadows: list[tuple[AIModel, list[PredictionOut]]],
    latency_ms: float,
) -> Answered:
    champion = served.members[served.champion_id][0]
    ids: list[str | None] = [new_id() if item.log else None for _ in answers]
    records = _records(served, item.rows, answers, ids, shadows, latency_ms) if item.log else []
    response = DeploymentPredictResponse(
        deployment_id=served.deployment_id,
        deployment_name=served.deployment_name,
        environment=served.environment.value,
        version=served.version,
        model_id=champion.id,
        model_name=champion.model_name,
        model_version=champion.model_version,
        predictions=[
            DeployedPrediction(
                prediction_id=pid,
                prediction=to_jsonable(answer.out.prediction),
                confidence=answer.out.confidence,
                probabilities=answer.out.probabilities,
                model_id=answer.model.id,
                model_version=answer.model.model_version,
                variant=answer.variant,
            )
            for pid, answer in zip(ids, answers, strict=True)
        ],
    )
    return Answered(response, champion, records)


def _score(
    served: ServedDeployment, model_id: str, rows: list[dict[str, Any]], store: ArtifactStore
) -> list[PredictionOut]:
    model, artifact = served.members[model_id]
    return serving.score(model, artifact, rows, store)


def _shadow(
    served: ServedDeployment, model_id: str, rows: list[dict[str, Any]], store: ArtifactStore
) -> tuple[AIModel, list[PredictionOut]]:
    """A shadow model's scores; a shadow that fails is logged and stores nothing (the
    answer never depends on it)."""
    model = served.members[model_id][0]
    try:
        return model, _score(served, model_id, rows, store)
    except Exception:
        logger.exception("shadow model %s of deployment %s failed", model_id, served.deployment_id)
        return model, []


def _split(
    served: ServedDeployment,
    rows: list[dict[str, Any]],
    entity_keys: list[str | None],
    store: ArtifactStore,
) -> list[Answer]:
    traffic = served.config.traffic or []
    weights = [share.weight for share in traffic]
    sticky = served.config.sticky_key
    chosen = [
        _variant_index(_entity(row, sticky, entity_key), weights, served.deployment_id)
        for row, entity_key in zip(rows, entity_keys, strict=True)
    ]
    answers: list[Answer | None] = [None] * len(rows)
    for index, share in enumerate(traffic):
        positions = [i for i, c in enumerate(chosen) if c == index]
        if not positions:
            continue
        model = served.members[share.model_id][0]
        variant = CHAMPION if share.model_id == served.champion_id else CHALLENGER
        outs = _score(served, share.model_id, [rows[i] for i in positions], store)
        for position, out in zip(positions, outs, strict=True):
            answers[position] = Answer(model, variant, out)
    return [answer for answer in answers if answer is not None]


def _entity(row: dict[str, Any], sticky: str | None, entity_key: str | None) -> Any:
    """The row's sticky field, else the request's entity key."""
    value = row.get(sticky) if sticky else None
    return entity_key if value is None or value == "" else value


def _variant_index(key: Any, weights: list[float], salt: str) -> int:
    if key is None or key == "":
        return ensemble.assign_variant(str(random.random()), weights, salt=salt)
    return ensemble.assign_variant(str(key), weights, salt=salt)


def _ensemble(
    served: ServedDeployment, rows: list[dict[str, Any]], store: ArtifactStore
) -> list[Answer]:
    spec = served.config.ensemble
    assert spec is not None
    champion = served.members[served.champion_id][0]
    outputs = [_score(served, member.model_id, rows, store) for member in spec.models]
    model_type = champion.model_type.value
    if spec.method == "stacking":
        stacker = (served.state or {}).get("stacker")
        if stacker is None:
            raise ensemble.EnsembleError("this revision has no fitted stacking model")
        combined = ensemble.apply_stacker(stacker, outputs)
    else:
        weights = [member.weight for member in spec.models]
        combined = ensemble.combine(outputs, weights, method=spec.method, model_type=model_type)
    return [Answer(champion, ENSEMBLE, out) for out in combined]


def _records(
    served: ServedDeployment,
    rows: list[dict[str, Any]],
    answers: list[Answer],
    ids: list[str | None],
    shadows: Iterable[tuple[AIModel, list[PredictionOut]]],
    latency_ms: float,
) -> list[dict[str, Any]]:
    """The AIModelPrediction values of the answers and the shadow scores."""
    now = utcnow()
    where = {"deployment_id": served.deployment_id, "deployment_version": served.version}

    def record(
        row_id: str | None, model: AIModel, row: dict[str, Any], out: Any, variant: str
    ) -> Any:
        return serving.prediction_record(
            row_id, model, row, out, now=now, latency_ms=latency_ms, variant=variant, **where
        )

    records = [
        record(pid, a.model, row, a.out, a.variant)
        for pid, a, row in zip(ids, answers, rows, strict=True)
    ]
    for model, outs in shadows:
        if not outs:
            continue  # the shadow failed: logged, nothing stored
        records += [
            record(new_id(), model, row, out, SHADOW) for row, out in zip(rows, outs, strict=True)
        ]
    return records
