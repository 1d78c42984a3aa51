"""Deployment predicts that arrive together, answered in one unit of work.

The predict route (:mod:`urutiq_ai.predictions.predict_route`) hands this process's
concurrent ``POST .../deployments/{name}/predict`` calls here in batches. Calls presenting
the same API key share one transaction: the key is checked once, each call is narrowed to
its company, role-checked, resolved and scored on its own, then every call's predictions
are stored with one insert per model (one audit row per call, as before) and committed
once. The batch's fixed costs (a session, the key lookup, the COMMIT) are shared; what each
call stores and answers is exactly what the route stores and answers one at a time.

A call this cannot answer cleanly gets ``None``: the route then serves it the usual way,
which gives it its own answer or its own error in the one error shape. That covers a body
or key that does not validate, a company, role, deployment or row the route would refuse
(nothing of that call is stored), and any failure of the shared transaction (rolled back
whole, so every call of it is served again on its own, and nothing is stored twice).

Imported on the first deployment predict (it loads the ML stack).
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session, sessionmaker

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.errors import AppError
from urutiq_ai.core.scoping import bind_scope
from urutiq_ai.crud.resource import WRITERS
from urutiq_ai.deployments.live import OK, Key, LiveStats
from urutiq_ai.deployments.schemas import Environment
from urutiq_ai.predictions import deployed, serving
from urutiq_ai.predictions.schemas import PREDICT_ACTION, DeploymentPredictRequest
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.models import AIModel
from urutiq_ai.tenancy import service as tenancy_service
from urutiq_ai.tenancy.deps import prepare_session, require_roles

logger = logging.getLogger("urutiq_ai.predictions")


@dataclass(frozen=True)
class PredictCall:
    """One predict request as the route received it (its body not parsed yet)."""

    api_key: str | None
    company_id: str
    name: str
    environment: Environment
    body: bytes
    arrived: float  # time.perf_counter() at the route


@dataclass(frozen=True)
class Serving:
    """What answering needs from the app."""

    sessionmaker: sessionmaker[Session]
    settings: Any
    executor: Any
    live: LiveStats


@dataclass
class _Done:
    index: int
    ctx: TenantContext
    served: deployed.ServedDeployment
    rows: int
    answered: deployed.Answered
    body: bytes = b""  # the response JSON, written before the COMMIT


def answer_calls(serving_: Serving, calls: Sequence[PredictCall]) -> list[bytes | None]:
    """Each call's response JSON, or None where the route must serve it on its own."""
    answers: list[bytes | None] = [None] * len(calls)
    by_key: dict[str | None, list[int]] = {}
    for index, call in enumerate(calls):
        by_key.setdefault(call.api_key, []).append(index)
    for api_key, indexes in by_key.items():
        if api_key is None:
            continue  # 401: the route says why
        try:
            done = _answer_group(serving_, api_key, calls, indexes)
        except Exception:
            logger.warning(
                "a batch of %d predict calls failed; the route serves them one by one",
                len(indexes),
                exc_info=True,
            )
            continue
        finished = time.perf_counter()
        for item in done:
            answers[item.index] = item.body
            _count(serving_.live, item, (finished - calls[item.index].arrived) * 1000)
    return answers


def _count(live: LiveStats, item: "_Done", latency_ms: float) -> None:
    """The call in the deployment's live figures (never fails an answer already stored)."""
    served = item.served
    try:
        live.record(
            Key(served.tenant_id, served.company_id, served.deployment_id, served.version),
            latency_ms=latency_ms,
            rows=item.rows,
            outcome=OK,
        )
    except Exception:
        logger.exception("live figures of deployment %s", served.deployment_id)


def _answer_group(
    serving_: Serving, api_key: str, calls: Sequence[PredictCall], indexes: list[int]
) -> list[_Done]:
    """Answer the calls of one key in one unit of work; committed when it returns."""
    requests = {index: _parsed(calls[index].body) for index in indexes}
    if not any(requests.values()):
        return []
    store = ArtifactStore(serving_.settings.artifacts)
    with unit_of_work(serving_.sessionmaker) as session:
        prepare_session(session, serving_.settings, serving_.executor)
        try:
            principal = tenancy_service.authenticate(session, api_key)
        except AppError:
            return []
        bind_scope(session, principal)
        accepted = _accepted(session, principal, calls, requests)
        done = []
        for group in accepted.values():
            served = group[0][2]
            inputs = [deployed.PredictInput(d.all_rows(), d.entity_key, d.log) for *_, d in group]
            results = deployed.answer_many(served, inputs, store)
            for (index, ctx, *_), item, result in zip(group, inputs, results, strict=True):
                if not isinstance(result, AppError):  # else the route answers its 422
                    done.append(_Done(index, ctx, served, len(item.rows), result))
        _store(session, done)
        session.flush()
        for answered in done:
            answered.body = answered.answered.response.model_dump_json(by_alias=True).encode()
    return done


_Accepted = tuple[int, TenantContext, deployed.ServedDeployment, DeploymentPredictRequest]


def _accepted(
    session: Session,
    principal: TenantContext,
    calls: Sequence[PredictCall],
    requests: dict[int, DeploymentPredictRequest | None],
) -> dict[tuple[str, int], list[_Accepted]]:
    """The calls whose company, role and deployment the route accepts, by deployment
    revision (their rows are scored together)."""
    groups: dict[tuple[str, int], list[_Accepted]] = {}
    for index, data in requests.items():
        if data is None:
            continue
        call = calls[index]
        try:
            ctx = tenancy_service.company_scope(principal, call.company_id)
            require_roles(ctx, WRITERS, PREDICT_ACTION)
            served = deployed.resolve(session, ctx, call.name, call.environment)
        except AppError:
            continue  # the route refuses it (and counts the refusal)
        key = (served.deployment_id, served.version)
        groups.setdefault(key, []).append((index, ctx, served, data))
    return groups


def _store(session: Session, done: list[_Done]) -> None:
    """One insert per (company, model) for every call's records, one audit row per call."""
    groups: dict[tuple[str, str], tuple[TenantContext, AIModel, list[list[dict[str, Any]]]]] = {}
    for item in done:
        if not item.answered.records:
            continue  # log off
        champion = item.answered.champion
        key = (champion.company_id, champion.id)
        groups.setdefault(key, (item.ctx, champion, []))[2].append(item.answered.records)
    for ctx, champion, records in groups.values():
        serving.store_prediction_calls(session, ctx, champion, records)


def _parsed(body: bytes) -> DeploymentPredictRequest | None:
    """The request body, or None where the route must say what is wrong with it."""
    try:
        return DeploymentPredictRequest.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, PydanticValidationError):
        return None
