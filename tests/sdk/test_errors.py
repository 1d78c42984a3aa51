"""Typed SDK errors: from live API responses and from the mapping itself."""

from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.sdk.conftest import SdkFactory
from urutiq_ai.registry.schemas import AIModelRead
from urutiq_ai.sdk import (
    Client,
    ConfigurationError,
    Conflict,
    DuplicateResource,
    FieldError,
    Forbidden,
    InvalidStatusTransition,
    NotFound,
    ServerError,
    Unauthorized,
    UrutiqError,
    ValidationError,
)
from urutiq_ai.sdk._errors import error_from_response

MakeModel = Callable[..., AIModelRead]


class TestApiErrors:
    def test_bad_filter_value_is_validation_error(self, sdk: Client) -> None:
        with pytest.raises(ValidationError) as info:
            sdk.models.list(status="bogus")
        assert info.value.status_code == 422
        assert info.value.error == "ValidationError"
        assert [f.field for f in info.value.fields] == ["status.0"]

    def test_unknown_filter_is_validation_error(self, sdk: Client) -> None:
        with pytest.raises(ValidationError) as info:
            sdk.models.list(colour="red")
        assert info.value.fields[0].field == "colour"

    def test_bad_enum_in_payload(self, sdk: Client) -> None:
        with pytest.raises(ValidationError) as info:
            sdk.models.create(model_name="m", model_version="1", model_type="bogus", algorithm="x")
        assert [f.field for f in info.value.fields] == ["modelType"]
        assert "modelType" in str(info.value)
        assert sdk.models.list().items == []

    def test_unknown_payload_field(self, sdk: Client, make_model: MakeModel) -> None:
        with pytest.raises(ValidationError) as info:
            sdk.models.update(make_model().id, colour="red")
        assert info.value.fields[0].field == "colour"

    def test_bad_key_is_unauthorized(self, client: TestClient, tenant: TenantFixture) -> None:
        sdk = Client(api_key="uiq_bogus_key", company=tenant.company_id, http_client=client)
        with pytest.raises(Unauthorized) as info:
            sdk.models.list()
        assert info.value.status_code == 401
        assert info.value.error == "InvalidApiKey"

    @pytest.mark.usefixtures("clean_env")
    def test_missing_key(self, client: TestClient, tenant: TenantFixture) -> None:
        sdk = Client(company=tenant.company_id, http_client=client)
        with pytest.raises(ConfigurationError, match="URUTIQ_API_KEY"):
            sdk.models.list()

    def test_viewer_may_not_create(self, sdk_for: SdkFactory) -> None:
        with pytest.raises(Forbidden) as info:
            sdk_for("viewer").experiments.create(experiment_name="e")
        assert info.value.status_code == 403

    def test_other_tenants_row(
        self, make_model: MakeModel, client: TestClient, tenant_second: TenantFixture
    ) -> None:
        model = make_model()
        other = Client(
            api_key=tenant_second.keys["editor"],
            company=tenant_second.company_id,
            http_client=client,
        )
        with pytest.raises(NotFound) as info:
            other.models.update(model.id, status="active")
        assert info.value.status_code == 404

    def test_invalid_status_transition(self, sdk: Client, make_model: MakeModel) -> None:
        model = make_model(status="active")
        with pytest.raises(InvalidStatusTransition) as info:
            sdk.models.update(model.id, status="training")
        assert isinstance(info.value, Conflict)
        assert info.value.status_code == 409
        assert info.value.fields == [FieldError("status", info.value.fields[0].reason)]

    def test_duplicate(self, make_model: MakeModel) -> None:
        make_model(model_name="dup", model_version="1")
        with pytest.raises(DuplicateResource):
            make_model(model_name="dup", model_version="1")


def _response(status: int, body: object = None, text: str | None = None) -> httpx.Response:
    request = httpx.Request("GET", "http://test/api/v1/x")
    if text is not None:
        return httpx.Response(status, text=text, request=request)
    return httpx.Response(status, json=body, request=request)


class TestMapping:
    @pytest.mark.parametrize(
        ("name", "status", "expected"),
        [
            ("InvalidStatusTransition", 409, InvalidStatusTransition),
            ("DuplicateResource", 409, DuplicateResource),
            ("DuplicateName", 409, DuplicateResource),
            ("CompanyNotFound", 404, NotFound),
            ("InvalidApiKey", 401, Unauthorized),
            ("ResourceInUse", 409, Conflict),
            ("SomethingNew", 403, Forbidden),
            ("SomethingNew", 422, ValidationError),
            ("InternalError", 500, ServerError),
            ("NotReady", 503, ServerError),
            ("MethodNotAllowed", 405, UrutiqError),
        ],
    )
    def test_name_then_status(self, name: str, status: int, expected: type) -> None:
        error = error_from_response(_response(status, {"error": name, "detail": "d"}))
        assert type(error) is expected
        assert (error.error, error.status_code, error.detail) == (name, status, "d")

    def test_fields_and_str(self) -> None:
        body = {
            "error": "ValidationError",
            "detail": "bad",
            "fields": [{"field": "modelType", "reason": "not an option"}],
        }
        error = error_from_response(_response(422, body))
        assert error.fields == [FieldError("modelType", "not an option")]
        assert str(error) == "bad\n  modelType: not an option"

    def test_non_json_body(self) -> None:
        error = error_from_response(_response(502, text="Bad Gateway from proxy"))
        assert isinstance(error, ServerError)
        assert "Bad Gateway from proxy" in error.detail
