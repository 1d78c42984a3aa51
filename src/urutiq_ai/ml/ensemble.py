"""Model ensembles and sticky traffic splits, as pure functions over member predictions.

* :func:`assign_variant` sends a key (a request, a customer) to one of several variants with
  the given weights, always the same one for the same key and salt, in any process.
* :func:`combine` merges the :class:`~urutiq_ai.ml.predict.PredictionOut` lists of several
  members of one model type, row by row (``average`` or ``vote``).
* :func:`fit_stacker` fits a meta-learner on the members' outputs for held-out rows with
  known outcomes and returns it as a JSON-safe dict; :func:`apply_stacker` applies it with
  numpy only.

What each method does per model type:

* classification ``average``: weighted mean of the members' class probabilities (a class a
  member lacks counts 0); ``vote``: weighted vote of the predicted labels, ties going to the
  label of the highest-weighted member among the tied ones; ``stacking``: a logistic
  regression on every member's class probabilities.
* regression ``average``: weighted mean; ``stacking``: a linear regression on the members'
  predictions.
* anomaly_detection ``average`` and ``vote``: an anomaly when members holding at least half
  the weight flag one; the score is the weighted mean score.
* clustering: never (the cluster ids of different models do not correspond).
"""

import hashlib
import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Any

import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression

from urutiq_ai.ml.errors import MLError
from urutiq_ai.ml.labels import is_missing_label
from urutiq_ai.ml.predict import PredictionOut, to_jsonable

METHODS = ("average", "vote", "stacking")
"""Ways to combine members."""

MODEL_TYPES = ("classification", "regression", "anomaly_detection", "clustering")
"""Model types :func:`~urutiq_ai.ml.predict.predict` knows."""

STACKING_TYPES = ("classification", "regression")
"""Model types a stacker can be fitted for."""

MIN_MEMBERS = 2
"""Fewest members an ensemble holds."""

_TIE = 1e-9
"""Tolerance below which two weight shares count as equal (0.1 + 0.2 vs 0.3)."""


class EnsembleError(MLError, ValueError):
    """An ensemble cannot be built or applied; the message says why."""


# --- sticky traffic split ------------------------------------------------------------------


def uniform_for(key: str, salt: str) -> float:
    """A number in [0, 1) fixed by ``key`` and ``salt``: the first 8 bytes of
    ``sha256(f"{salt}:{key}")`` as an integer over 2**64 (the same in every process)."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_variant(key: str, weights: Sequence[float], *, salt: str) -> int:
    """The index of the variant ``key`` goes to: the one whose share of the cumulative
    ``weights`` holds :func:`uniform_for` ``(key, salt)``.

    Weights need not sum to 1; a variant of weight 0 gets no keys. A new ``salt`` reshuffles
    the keys (use one per experiment).
    """
    values = [float(weight) for weight in weights]
    if not values:
        raise ValueError("weights must not be empty")
    if not all(math.isfinite(weight) and weight >= 0.0 for weight in values):
        raise ValueError(f"weights must be finite and not negative, got {values}")
    total = math.fsum(values)
    if total <= 0.0:
        raise ValueError("weights must not all be 0")
    point = uniform_for(key, salt) * total
    index = bisect_right(list(accumulate(values)), point)
    if index < len(values):
        return index
    # Rounding put the point past the last cumulative sum: the last variant that gets keys.
    return max(i for i, weight in enumerate(values) if weight > 0.0)


# --- checks --------------------------------------------------------------------------------


def check_ensemble(method: str, model_types: Sequence[str]) -> None:
    """Raise :class:`EnsembleError` unless members of ``model_types`` can be combined by
    ``method``."""
    if method not in METHODS:
        raise EnsembleError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if len(model_types) < MIN_MEMBERS:
        raise EnsembleError(
            f"an ensemble needs at least {MIN_MEMBERS} members, got {len(model_types)}"
        )
    kinds = sorted(set(model_types))
    if len(kinds) > 1:
        raise EnsembleError(f"all members must share one model type, got {', '.join(kinds)}")
    [model_type] = kinds
    if model_type not in MODEL_TYPES:
        raise EnsembleError(f"unknown model type {model_type!r}")
    if model_type == "clustering":
        raise EnsembleError(
            "clustering models cannot be ensembled: the cluster ids of different models "
            "do not correspond"
        )
    if method == "vote" and model_type == "regression":
        raise EnsembleError("vote needs labels; use average or stacking for regression")
    if method == "stacking" and model_type not in STACKING_TYPES:
        raise EnsembleError(
            f"stacking is for {' and '.join(STACKING_TYPES)} only, not {model_type}"
        )


def _row_count(outputs: Sequence[Sequence[PredictionOut]]) -> int:
    """The number of rows every member predicted (EnsembleError when they differ)."""
    counts = sorted({len(member) for member in outputs})
    if len(counts) > 1:
        raise EnsembleError(f"members predicted different numbers of rows: {counts}")
    return counts[0] if counts else 0


def _normalised(weights: Sequence[float], members: int) -> np.ndarray:
    """``weights`` as an array summing to 1 (EnsembleError unless one positive per member)."""
    values = np.asarray(weights, dtype=float)
    if values.shape != (members,):
        raise EnsembleError(
            f"give one weight per member: {members} members, {len(weights)} weights"
        )
    if not (np.isfinite(values).all() and (values > 0.0).all()):
        raise EnsembleError(f"weights must be finite and positive, got {values.tolist()}")
    return values / values.sum()


# --- average and vote ----------------------------------------------------------------------


def combine(
    outputs: Sequence[Sequence[PredictionOut]],
    weights: Sequence[float],
    *,
    method: str,
    model_type: str,
) -> list[PredictionOut]:
    """Merge the members' predictions row by row with ``method`` (``average`` or ``vote``).

    ``outputs`` holds one list per member, all of the same rows; ``weights`` one positive
    weight per member (normalised here). See the module docstring for each model type.
    """
    check_ensemble(method, [model_type] * len(outputs))
    if method == "stacking":
        raise EnsembleError("stacking needs a fitted stacker: use fit_stacker and apply_stacker")
    rows = _row_count(outputs)
    shares = _normalised(weights, len(outputs))
    if rows == 0:
        return []
    if model_type == "regression":
        return _average_regression(outputs, shares)
    if model_type == "anomaly_detection":
        return _combine_anomalies(outputs, shares)
    if method == "vote":
        return _vote_labels(outputs, shares)
    return _average_probabilities(outputs, shares)


def _numbers(member: Sequence[PredictionOut], field: str) -> np.ndarray:
    """One member's ``prediction`` or ``confidence`` as floats (EnsembleError if missing)."""
    try:
        values = np.asarray([getattr(out, field) for out in member], dtype=float)
    except (TypeError, ValueError) as exc:
        raise EnsembleError(f"every member {field} must be a number") from exc
    if not np.isfinite(values).all():
        raise EnsembleError(f"every member {field} must be a finite number")
    return values


def _average_regression(
    outputs: Sequence[Sequence[PredictionOut]], shares: np.ndarray
) -> list[PredictionOut]:
    """Weighted mean of the members' predicted values."""
    values = np.stack([_numbers(member, "prediction") for member in outputs])
    return [PredictionOut(value, None) for value in (shares @ values).tolist()]


def _combine_anomalies(
    outputs: Sequence[Sequence[PredictionOut]], shares: np.ndarray
) -> list[PredictionOut]:
    """An anomaly when members holding at least half the weight flag one; the weighted
    mean score as confidence."""
    flags = np.stack([np.asarray([bool(out.prediction) for out in m]) for m in outputs])
    scores = np.stack([_numbers(member, "confidence") for member in outputs])
    flagged = (shares @ flags) >= 0.5 - _TIE
    return [
        PredictionOut(flag, score)
        for flag, score in zip(flagged.tolist(), (shares @ scores).tolist(), strict=True)
    ]


def _label_values(outputs: Sequence[Sequence[PredictionOut]]) -> dict[str, Any]:
    """Each predicted label's key (``str``) mapped to the label value itself."""
    return {
        str(label): label
        for member in outputs
        for label in (to_jsonable(out.prediction) for out in member)
    }


def _label_for(key: str, known: Mapping[str, Any]) -> Any:
    """The label value whose key is ``key``: a predicted one, or else ``key`` read as the
    type every predicted label has (an int class no member predicted stays an int)."""
    if key in known:
        return known[key]
    types = {type(value) for value in known.values()}
    if types == {bool} and key in ("True", "False"):
        return key == "True"
    if types in ({int}, {float}):
        [kind] = types
        try:
            return kind(key)
        except ValueError:
            return key
    return key


def _class_keys(outputs: Sequence[Sequence[PredictionOut]]) -> list[str]:
    """The sorted union of the members' probability keys (EnsembleError if one is missing)."""
    keys: set[str] = set()
    for member in outputs:
        for out in member:
            if out.probabilities is None:
                raise EnsembleError("every classification output needs its probabilities")
            keys.update(out.probabilities)
    return sorted(keys)


def _probability_matrix(member: Sequence[PredictionOut], keys: Sequence[str]) -> np.ndarray:
    """One member's probabilities as ``(rows, len(keys))``; a class it lacks is 0."""
    return np.asarray(
        [[(out.probabilities or {}).get(key, 0.0) for key in keys] for out in member],
        dtype=float,
    ).reshape(len(member), len(keys))


def _average_probabilities(
    outputs: Sequence[Sequence[PredictionOut]], shares: np.ndarray
) -> list[PredictionOut]:
    """Weighted mean of the class probabilities; the most probable class wins (the first
    key in sorted order on a tie)."""
    keys = _class_keys(outputs)
    stacked = np.stack([_probability_matrix(member, keys) for member in outputs])
    proba = np.tensordot(shares, stacked, axes=1)
    totals = proba.sum(axis=1, keepdims=True)
    proba = np.divide(proba, totals, out=np.zeros_like(proba), where=totals > 0)
    return _labelled(proba, keys, _label_values(outputs))


def _labelled(
    proba: np.ndarray, keys: Sequence[str], known: Mapping[str, Any]
) -> list[PredictionOut]:
    """One classification output per row of ``proba`` (columns in ``keys`` order)."""
    best = proba.argmax(axis=1)
    labels = [_label_for(key, known) for key in keys]
    confidence = proba[np.arange(len(proba)), best].tolist()
    return [
        PredictionOut(labels[index], conf, dict(zip(keys, row, strict=True)))
        for index, conf, row in zip(best.tolist(), confidence, proba.tolist(), strict=True)
    ]


def _vote_labels(
    outputs: Sequence[Sequence[PredictionOut]], shares: np.ndarray
) -> list[PredictionOut]:
    """Weighted vote of the predicted labels; ``probabilities`` holds the vote shares of the
    row's voted labels and of the classes in its members' probabilities."""
    known = _label_values(outputs)
    keys = sorted(known)
    column = {key: index for index, key in enumerate(keys)}
    codes = np.asarray(
        [[column[str(to_jsonable(out.prediction))] for out in member] for member in outputs]
    )
    rows = codes.shape[1]
    index = np.arange(rows)
    votes = np.zeros((rows, len(keys)))
    for member_codes, share in zip(codes, shares, strict=True):
        np.add.at(votes, (index, member_codes), share)
    tied = votes >= votes.max(axis=1, keepdims=True) - _TIE
    # Highest weight last so it overrides; a stable sort keeps the earlier of equal weights.
    winner = codes[0].copy()
    for member in np.argsort(-shares, kind="stable")[::-1]:
        winner = np.where(tied[index, codes[member]], codes[member], winner)
    results = []
    for row, (code, share_row) in enumerate(zip(winner.tolist(), votes.tolist(), strict=True)):
        shown = {keys[c] for c in codes[:, row].tolist()}
        for member in outputs:
            shown.update(member[row].probabilities or {})
        probabilities = {
            key: (share_row[column[key]] if key in column else 0.0) for key in sorted(shown)
        }
        results.append(PredictionOut(known[keys[code]], share_row[code], probabilities))
    return results


# --- stacking ------------------------------------------------------------------------------


def _stacking_features(
    outputs: Sequence[Sequence[PredictionOut]], kind: str, classes: Sequence[str]
) -> np.ndarray:
    """The meta-learner's inputs: every member's probability of each of ``classes`` side by
    side (logistic), or the members' predictions (linear)."""
    rows = _row_count(outputs)
    if kind == "logistic":
        blocks = [_probability_matrix(member, classes) for member in outputs]
    else:
        blocks = [_numbers(member, "prediction").reshape(rows, 1) for member in outputs]
    return np.hstack(blocks) if blocks else np.empty((rows, 0))


def fit_stacker(
    outputs: Sequence[Sequence[PredictionOut]],
    y_true: Sequence[Any],
    *,
    model_type: str,
    seed: int = 0,
) -> dict[str, Any]:
    """Fit a meta-learner on the members' ``outputs`` for held-out rows whose outcomes are
    ``y_true``; return it as a JSON-safe dict for :func:`apply_stacker`.

    classification: a logistic regression on every member's probability of each class (of
    the sorted union of the members' class keys, stored as ``features``), predicting
    ``str`` label keys; ``labels`` maps each key back to the label value. regression: a
    linear regression on the members' predictions.
    """
    check_ensemble("stacking", [model_type] * len(outputs))
    rows = _row_count(outputs)
    if len(y_true) != rows:
        raise EnsembleError(f"y_true holds {len(y_true)} outcomes for {rows} predicted rows")
    if any(is_missing_label(value) for value in y_true):
        raise EnsembleError("y_true must not hold missing outcomes")
    members = len(outputs)
    if model_type == "regression":
        try:
            target = np.asarray(y_true, dtype=float)
        except (TypeError, ValueError) as exc:
            raise EnsembleError("regression outcomes must be numbers") from exc
        if not np.isfinite(target).all():
            raise EnsembleError("regression outcomes must be finite numbers")
        linear = LinearRegression().fit(_stacking_features(outputs, "linear", []), target)
        return {
            "kind": "linear",
            "coef": [float(c) for c in np.ravel(linear.coef_)],
            "intercept": float(linear.intercept_),
            "members": members,
        }
    values = [to_jsonable(value) for value in y_true]
    keys = [str(value) for value in values]
    if len(set(keys)) < 2:
        raise EnsembleError("stacking a classifier needs outcomes of at least 2 distinct classes")
    features = _class_keys(outputs)
    logistic = LogisticRegression(max_iter=1000, random_state=seed)
    logistic.fit(_stacking_features(outputs, "logistic", features), np.asarray(keys))
    classes = [str(c) for c in logistic.classes_]
    labels = dict(zip(keys, values, strict=True))
    return {
        "kind": "logistic",
        "classes": classes,
        "labels": {key: labels[key] for key in classes},
        "features": features,
        "coef": np.asarray(logistic.coef_, dtype=float).tolist(),
        "intercept": [float(b) for b in np.ravel(logistic.intercept_)],
        "members": members,
    }


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))`` without overflow."""
    result: np.ndarray = np.exp(-np.logaddexp(0.0, -z))
    return result


def _softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax without overflow."""
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    result: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return result


def apply_stacker(
    stacker: Mapping[str, Any], outputs: Sequence[Sequence[PredictionOut]]
) -> list[PredictionOut]:
    """Predict with a :func:`fit_stacker` dict (after a JSON round trip too) from the
    members' ``outputs``, in the members' order at fitting; numpy only."""
    kind = stacker.get("kind")
    if kind not in ("logistic", "linear"):
        raise EnsembleError(f"unknown stacker kind {kind!r}")
    if len(outputs) != stacker.get("members"):
        raise EnsembleError(
            f"the stacker was fitted on {stacker.get('members')} members, got {len(outputs)}"
        )
    if _row_count(outputs) == 0:
        return []
    features: list[str] = []
    if kind == "logistic":
        # Stored at fitting; a stacker without it reads the members' classes, sorted.
        features = list(stacker.get("features") or _class_keys(outputs))
    X = _stacking_features(outputs, kind, features)
    coef = np.asarray(stacker["coef"], dtype=float)
    width = coef.shape[-1] if coef.ndim else 0
    if width != X.shape[1]:
        raise EnsembleError(f"the stacker takes {width} features, the members give {X.shape[1]}")
    if kind == "linear":
        values = X @ coef + float(stacker["intercept"])
        return [PredictionOut(value, None) for value in values.tolist()]
    classes = [str(c) for c in stacker["classes"]]
    z = X @ coef.T + np.asarray(stacker["intercept"], dtype=float)
    if coef.shape[0] == 1:
        second = _sigmoid(z[:, 0])
        proba = np.column_stack([1.0 - second, second])
    else:
        proba = _softmax(z)
    if proba.shape[1] != len(classes):
        raise EnsembleError(f"the stacker has {len(classes)} classes, its weights {proba.shape[1]}")
    return _labelled(proba, classes, stacker["labels"])
