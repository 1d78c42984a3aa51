import io

import joblib
import pytest

from tests.ml.conftest import ledger, trained
from urutiq_ai.ml.artifacts import MAGIC, dump_pipeline, load_pipeline, sha256
from urutiq_ai.ml.errors import ArtifactTampered


class TestArtifacts:
    def test_round_trip(self) -> None:
        result = trained("regression", "neural_network")
        data = dump_pipeline(result.pipeline)
        again = load_pipeline(data, sha256(data))
        rows = ledger()[result.feature_columns].head(10)
        assert (again.predict(rows) == result.pipeline.predict(rows)).all()
        assert data.startswith(MAGIC)

    def test_an_artifact_written_by_joblib_still_loads(self) -> None:
        """Artifacts stored before the pickle format were joblib files."""
        result = trained("classification", "random_forest")
        buffer = io.BytesIO()
        joblib.dump(result.pipeline, buffer, compress=3)
        data = buffer.getvalue()
        again = load_pipeline(data, sha256(data))
        rows = ledger()[result.feature_columns].head(20)
        assert (again.predict_proba(rows) == result.pipeline.predict_proba(rows)).all()

    def test_tampered_byte_is_refused(self) -> None:
        data = dump_pipeline({"weights": [1, 2, 3]})
        digest = sha256(data)
        tampered = bytearray(data)
        tampered[len(tampered) // 2] ^= 0xFF
        with pytest.raises(ArtifactTampered):
            load_pipeline(bytes(tampered), digest)

    def test_wrong_digest_is_refused(self) -> None:
        data = dump_pipeline([1])
        with pytest.raises(ArtifactTampered):
            load_pipeline(data, "0" * 64)
