"""Serving: predict with a stored model version, log the predictions, record outcomes.

Imported lazily by the predictions router: it loads the ML stack (numpy, pandas,
scikit-learn), which must stay off the server's start path.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import detached_copy, new_id, utcnow
from urutiq_ai.core.errors import FieldError, ValidationError
from urutiq_ai.ml import artifacts as ml_artifacts
from urutiq_ai.ml.columns import check_records, typed_frame
from urutiq_ai.ml.errors import ArtifactTampered, InputError
from urutiq_ai.ml.predict import PredictionOut, predict, to_jsonable
from urutiq_ai.ml.rowpath import SMALL_BATCH, RowScorer, compile_scorer
from urutiq_ai.predictions.errors import ArtifactIntegrityError, ModelNotServable
from urutiq_ai.predictions.masking import mask_stored_inputs
from urutiq_ai.predictions.repository import PredictionRepository
from urutiq_ai.predictions.schemas import PredictionType
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.models import AIModel, ModelArtifact
from urutiq_ai.registry.schemas import ModelStatus
from urutiq_ai.tenancy import service as tenancy_service

PREDICTION_TYPES = {
    "classification": PredictionType.classification,
    "regression": PredictionType.regression,
    "clustering": PredictionType.classification,
    "anomaly_detection": PredictionType.anomaly,
}
CACHE_SIZE = 16


@dataclass(frozen=True)
class LoadedModel:
    """A verified pipeline, and its compiled few-rows path when it has one."""

    pipeline: Any
    scorer: RowScorer | None

    def scorer_for(self, rows: list[dict[str, Any]]) -> RowScorer | None:
        return self.scorer if len(rows) <= SMALL_BATCH else None


RECHECK_SECONDS = 5.0
"""How long a remote store's file is trusted between re-checks of its stamp."""


@dataclass
class _Cached:
    loaded: LoadedModel
    stamp: Hashable | None  # the stored file's stamp when its bytes were last verified
    checked: float  # time.monotonic() of the last check


class PipelineCache:
    """Verified pipelines by (model id, sha256), hash-checked on first load and again
    whenever the stored file changes.

    Each use compares the file's :meth:`~ArtifactStore.stamp` with the one taken when its
    bytes were verified (a local file: one ``stat``, about 2 µs); a remote store's file is
    re-checked at most every ``RECHECK_SECONDS`` (a request). A changed file, or one the
    store gives no stamp for, is read and hashed again: bytes that no longer match the
    recorded SHA-256 (or a file gone) drop the entry and raise, as a cold load would; the
    same bytes rewritten keep it.
    """

    def __init__(self, size: int = CACHE_SIZE, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self._items: OrderedDict[tuple[str, str], _Cached] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size
        self._recheck = recheck_seconds

    def get(self, artifact: ModelArtifact, store: ArtifactStore) -> LoadedModel:
        key = (artifact.model_id, artifact.sha256)
        with self._lock:
            cached = self._items.get(key)
            if cached is not None:
                self._items.move_to_end(key)
        if cached is not None:
            self._recheck_file(key, cached, artifact, store)
            return cached.loaded
        stamp = store.stamp(artifact.uri)  # before reading: a later write changes it
        pipeline = ml_artifacts.load_pipeline(store.get(artifact.uri), artifact.sha256)
        loaded = LoadedModel(pipeline, compile_scorer(pipeline))
        with self._lock:
            self._items[key] = _Cached(loaded, stamp, time.monotonic())
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return loaded

    def _recheck_file(
        self, key: tuple[str, str], cached: _Cached, artifact: ModelArtifact, store: ArtifactStore
    ) -> None:
        now = time.monotonic()
        local = store.is_local(artifact.uri)
        if not local and now - cached.checked < self._recheck:
            return
        stamp = store.stamp(artifact.uri)
        if stamp is not None and stamp == cached.stamp:
            cached.checked = now
            return
        try:
            ml_artifacts.verify(store.get(artifact.uri), artifact.sha256)
        except (ArtifactTampered, OSError):
            with self._lock:
                self._items.pop(key, None)
            raise
        cached.stamp, cached.checked = stamp, now


PIPELINES = PipelineCache()

SERVED_TTL_SECONDS = 2.0


class ServedModels:
    """The active model and artifact rows a predict request needs, kept a short while.

    A single-row prediction spends as long reading these two rows as scoring; keeping them
    ``SERVED_TTL_SECONDS`` skips that read for the requests in between. Every change to a
    model or artifact written through this process's ORM drops its entry at once (see
    :func:`_drop_changed_models`); another replica's change is seen within the TTL. An
    entry only serves a scope of its own tenant that may see its company.
    """

    def __init__(self, ttl: float = SERVED_TTL_SECONDS) -> None:
        self._ttl = ttl
        self._items: dict[str, tuple[float, AIModel, ModelArtifact]] = {}
        self._lock = threading.Lock()

    def get(self, ctx: TenantContext, model_id: str) -> tuple[AIModel, ModelArtifact] | None:
        with self._lock:
            entry = self._items.get(model_id)
        if entry is None:
            return None
        expires, model, artifact = entry
        if time.monotonic() > expires:
            self.drop([model_id])
            return None
        if model.tenant_id != ctx.tenant_id or model.company_id not in ctx.company_ids:
            return None
        return model, artifact

    def put(self, model: AIModel, artifact: ModelArtifact) -> None:
        with self._lock:
            self._items[model.id] = (time.monotonic() + self._ttl, model, artifact)
            if len(self._items) > 10 * CACHE_SIZE:
                self._items.clear()

    def drop(self, model_ids: Iterable[str]) -> None:
        with self._lock:
            for model_id in model_ids:
                self._items.pop(model_id, None)


SERVED = ServedModels()


@event.listens_for(Session, "after_flush")
def _drop_changed_models(session: Session, _context: Any) -> None:
    changed = {
        obj.id if isinstance(obj, AIModel) else obj.model_id
        for obj in (*session.dirty, *session.deleted)
        if isinstance(obj, AIModel | ModelArtifact)
    }
    if changed:
        SERVED.drop(changed)


def load_model(
    session: Session, ctx: TenantContext, model: AIModel, store: ArtifactStore
) -> tuple[Any, ModelArtifact]:
    """The verified pipeline of an active model (409 if not active; 500 if tampered)."""
    _require_active(model)
    artifact = registry_service.get_artifact(session, ctx, model)
    return load_verified(artifact, store).pipeline, artifact


def validation_sample(artifact: ModelArtifact, store: ArtifactStore) -> Any | None:
    """The stored validation rows (features and ``VALIDATION_TARGET``), hash-verified; None
    for a version trained before samples were kept."""
    try:
        return registry_service.load_validation_sample(artifact, store)
    except ArtifactTampered as exc:
        raise ArtifactIntegrityError(str(exc)) from exc


def _require_active(model: AIModel) -> None:
    if model.status != ModelStatus.active:
        raise ModelNotServable(
            f"model {model.id!r} is {model.status.value}, not active",
            fields=[FieldError("status", "only active models predict")],
        )


def load_verified(artifact: ModelArtifact, store: ArtifactStore) -> LoadedModel:
    """The cached pipeline of ``artifact`` (hash-checked on first load; 500 if tampered)."""
    try:
        return PIPELINES.get(artifact, store)
    except ArtifactTampered as exc:
        raise ArtifactIntegrityError(str(exc)) from exc


def predict_rows(
    session: Session,
    ctx: TenantContext,
    *,
    model_id: str,
    rows: list[dict[str, Any]],
    log: bool,
    store: ArtifactStore,
    created_at: datetime | None = None,
) -> tuple[AIModel, list[tuple[str | None, Any]]]:
    """Predict ``rows`` with an active model; store them (one bulk write) unless ``log`` is off.

    Rows are checked against the model's feature columns first: missing, extra or wrongly
    typed fields answer 422 listing them, and nothing is stored. ``created_at`` backdates
    the stored rows (the demo's simulated history; the API never passes it).
    """
    model, artifact = _served(session, ctx, model_id)
    started = time.perf_counter()
    check_rows(model, artifact, rows)
    outputs = score(model, artifact, rows, store)
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    ids: list[str | None] = [new_id() if log else None for _ in outputs]
    if log:
        now = created_at or utcnow()
        records = [
            prediction_record(row_id, model, row, out, now=now, latency_ms=latency_ms)
            for row_id, row, out in zip(ids, rows, outputs, strict=True)
        ]
        store_predictions(session, ctx, model, records)
    return model, list(zip(ids, outputs, strict=True))


def check_rows(model: AIModel, artifact: ModelArtifact, rows: list[dict[str, Any]]) -> None:
    """422 listing every missing, extra or wrongly typed field of ``rows``."""
    try:
        check_records(rows, list(model.feature_columns or []), artifact.column_types)
    except InputError as exc:
        raise ValidationError(
            "the rows do not fit the model's feature columns",
            fields=[FieldError(f"rows.{name}", reason) for name, reason in exc.errors],
        ) from exc


def score(
    model: AIModel, artifact: ModelArtifact, rows: list[dict[str, Any]], store: ArtifactStore
) -> list[PredictionOut]:
    """Predict rows already checked by :func:`check_rows` (the compiled few-rows path when
    the model has one, else the pipeline on a typed frame)."""
    loaded = load_verified(artifact, store)
    scorer = loaded.scorer_for(rows)
    if scorer is not None:
        return predict(scorer, rows, model_type=model.model_type.value)
    frame = typed_frame(rows, list(model.feature_columns or []), artifact.column_types)
    return predict(loaded.pipeline, frame, model_type=model.model_type.value)


def _served(session: Session, ctx: TenantContext, model_id: str) -> tuple[AIModel, ModelArtifact]:
    """The active model and its artifact: cached, else read (404 / 409 / 422 as usual)."""
    hit = SERVED.get(ctx, model_id)
    if hit is not None:
        return hit
    model, stored = registry_service.get_model_with_artifact(session, ctx, model_id)
    _require_active(model)
    artifact = registry_service.require_artifact(model, stored)
    SERVED.put(detached_copy(model), detached_copy(artifact))
    return model, artifact


PROBABILITY_DIGITS = 6


def _rounded(probabilities: dict[str, float] | None) -> dict[str, float] | None:
    """Stored probabilities to 6 decimals: 17-digit floats were most of each row's JSON."""
    if probabilities is None:
        return None
    return {label: round(p, PROBABILITY_DIGITS) for label, p in probabilities.items()}


def prediction_record(
    row_id: str | None,
    model: AIModel,
    row: dict[str, Any],
    out: PredictionOut,
    *,
    now: datetime,
    latency_ms: float,
    **extra: Any,
) -> dict[str, Any]:
    """The AIModelPrediction values of one prediction (``extra``: deployment columns)."""
    return {
        "id": row_id,
        "model_id": model.id,
        "prediction_type": PREDICTION_TYPES[model.model_type.value],
        "input_data": row,
        "prediction": {
            "prediction": to_jsonable(out.prediction),
            "probabilities": _rounded(out.probabilities),
            "latencyMs": latency_ms,
        },
        "confidence": out.confidence,
        "probability": out.confidence,
        "created_at": now,
        "updated_at": now,
        **extra,
    }


def store_predictions(
    session: Session, ctx: TenantContext, model: AIModel, records: list[dict[str, Any]]
) -> None:
    """Insert prediction records in one bulk write, audited once; inputs masked where a
    privacy policy says so (:mod:`urutiq_ai.predictions.masking`)."""
    store_prediction_calls(session, ctx, model, [records])


def store_prediction_calls(
    session: Session, ctx: TenantContext, model: AIModel, calls: list[list[dict[str, Any]]]
) -> None:
    """The records of several predict calls with ``model`` (each call's list) in one bulk
    write, with one audit row per call."""
    records = [record for call in calls for record in call]
    mask_stored_inputs(session, ctx, model, records)
    PredictionRepository(session, ctx).add_many(records, company_id=model.company_id)
    tenancy_service.record_audits(
        session,
        ctx,
        action="predict",
        row=model,
        company_id=model.company_id,
        afters=[{"modelId": model.id, "predictions": len(call)} for call in calls],
    )
