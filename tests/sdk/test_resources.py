"""Company resources through the SDK: CRUD, paging, filters, scoping."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.sdk.conftest import SdkFactory
from urutiq_ai.catalog import RESOURCES, SUPPORT_RESOURCES
from urutiq_ai.config.schemas import AIConfigRead
from urutiq_ai.core.schemas import Page, SystemWritten
from urutiq_ai.pipelines.schemas import AIDataPipelineCreate, PipelineStatus
from urutiq_ai.registry.schemas import AIModelRead, ModelStatus, ModelType
from urutiq_ai.sdk import (
    RESOURCE_SPECS,
    SUPPORT_SPECS,
    Client,
    ConfigurationError,
    NotFound,
    UrutiqError,
)
from urutiq_ai.training.schemas import RunStatus

MakeModel = Callable[..., AIModelRead]


class TestClientAttributes:
    def test_one_typed_client_per_resource(self, sdk: Client) -> None:
        assert len(RESOURCE_SPECS) == 15
        for spec in RESOURCE_SPECS:
            assert getattr(sdk, spec.attribute).spec is spec
            assert sdk.resource(spec.path) is getattr(sdk, spec.attribute)

    def test_matches_the_server_catalog(self) -> None:
        """The SDK keeps its own table (it may not import the server's); they must agree
        (resources changed through verbs only have no update schema: SystemWritten)."""
        server = {
            res.path: (res.read_schema, res.create_schema, res.update_schema or SystemWritten)
            for res in RESOURCES
        }
        sdk_side = {spec.path: (spec.read, spec.create, spec.update) for spec in RESOURCE_SPECS}
        assert sdk_side == server

    def test_supporting_resources_match_the_server(self, sdk: Client) -> None:
        """Monitors, alerts, webhooks: the server's create/update schemas (read-only ones
        have none: the SDK says SystemWritten)."""
        server = {
            res.path: (res.read_schema, res.create_schema, res.update_schema or SystemWritten)
            for res in SUPPORT_RESOURCES
        }
        assert {spec.path: (spec.read, spec.create, spec.update) for spec in SUPPORT_SPECS} == (
            server
        )
        for spec in SUPPORT_SPECS:
            assert sdk.resource(spec.path).spec is spec

    def test_unknown_resource_path(self, sdk: Client) -> None:
        with pytest.raises(KeyError):
            sdk.resource("nope")


class TestModels:
    def test_create_returns_read_schema(self, sdk: Client, tenant: TenantFixture) -> None:
        model = sdk.models.create(
            modelName="churn",
            model_version="2.1",
            model_type=ModelType.regression,
            algorithm="ridge",
            hyperparameters={"alpha": 0.5},
        )
        assert isinstance(model, AIModelRead)
        assert model.company_id == tenant.company_id
        assert model.status is ModelStatus.training
        assert model.hyperparameters == {"alpha": 0.5}

    def test_create_from_schema_and_mapping(self, sdk: Client) -> None:
        pipeline = sdk.pipelines.create(
            AIDataPipelineCreate(pipeline_name="ingest", pipeline_type="preprocessing")
        )
        assert pipeline.pipeline_name == "ingest"
        other = sdk.pipelines.create({"pipelineName": "other"}, pipeline_type="validation")
        assert other.pipeline_type.value == "validation"

    def test_get(self, sdk: Client, make_model: MakeModel) -> None:
        model = make_model()
        assert sdk.models.get(model.id) == model

    def test_update_sends_only_given_fields(self, sdk: Client, make_model: MakeModel) -> None:
        model = make_model(description="keep me", accuracy=0.5)
        updated = sdk.models.update(model.id, status="active", accuracy=0.9)
        assert updated.status is ModelStatus.active
        assert updated.accuracy == 0.9
        assert updated.description == "keep me"

    def test_update_to_null(self, sdk: Client, make_model: MakeModel) -> None:
        model = make_model(description="gone soon")
        assert sdk.models.update(model.id, {"description": None}).description is None

    def test_delete(self, sdk: Client, make_model: MakeModel) -> None:
        model = make_model()
        sdk.models.delete(model.id)
        with pytest.raises(NotFound):
            sdk.models.get(model.id)

    def test_delete_not_allowed_resource(self, sdk: Client, make_model: MakeModel) -> None:
        run = sdk.training_runs.create(model_id=make_model().id, run_name="r")
        with pytest.raises(UrutiqError) as info:
            sdk.training_runs.delete(run.id)
        assert info.value.status_code == 405


class TestListing:
    def test_list_is_a_page(self, sdk: Client, make_model: MakeModel) -> None:
        model = make_model()
        page = sdk.models.list()
        assert isinstance(page, Page)
        assert [item.id for item in page.items] == [model.id]
        assert page.next_cursor is None

    def test_pages_follow_cursors(self, sdk: Client, make_model: MakeModel) -> None:
        for _ in range(5):
            make_model()
        first = sdk.models.list(limit=2)
        assert len(first.items) == 2
        assert first.next_cursor
        second = sdk.models.list(limit=2, cursor=first.next_cursor)
        assert not {m.id for m in first.items} & {m.id for m in second.items}

    def test_iterate_reads_every_page(self, sdk: Client, make_model: MakeModel) -> None:
        ids = {make_model().id for _ in range(5)}
        seen = [model.id for model in sdk.models.iterate(limit=2)]
        assert len(seen) == 5
        assert set(seen) == ids

    def test_sort(self, sdk: Client, make_model: MakeModel) -> None:
        for name in ("b", "c", "a"):
            make_model(model_name=name)
        assert [m.model_name for m in sdk.models.list(sort="modelName").items] == ["a", "b", "c"]

    def test_filter_by_status(self, sdk: Client, make_model: MakeModel) -> None:
        active = make_model(status="active")
        make_model()
        assert [m.id for m in sdk.models.list(status="active").items] == [active.id]

    def test_filter_snake_or_camel(self, sdk: Client, make_model: MakeModel) -> None:
        reg = make_model(model_type="regression")
        make_model(model_type="classification")
        assert [m.id for m in sdk.models.list(model_type="regression").items] == [reg.id]
        assert [m.id for m in sdk.models.list(modelType=ModelType.regression).items] == [reg.id]

    def test_list_values_match_any(self, sdk: Client, make_model: MakeModel) -> None:
        wanted = {make_model(model_type="regression").id, make_model(model_type="clustering").id}
        make_model(model_type="classification")
        page = sdk.models.list(model_type=["regression", "clustering"])
        assert {m.id for m in page.items} == wanted

    def test_filter_by_reference_and_bool(self, sdk: Client, make_model: MakeModel) -> None:
        model = make_model()
        config = sdk.configs.create(
            config_type="behavior", config_data={"correctionThreshold": 1}, is_active=False
        )
        sdk.configs.create(config_type="behavior", config_data={"correctionThreshold": 2})
        inactive = sdk.configs.list(is_active=False).items
        assert [c.id for c in inactive] == [config.id]
        assert isinstance(inactive[0], AIConfigRead)
        run = sdk.training_runs.create(model_id=model.id, run_name="r1")
        sdk.training_runs.create(model_id=make_model().id, run_name="r2")
        assert [r.id for r in sdk.training_runs.list(model_id=model.id).items] == [run.id]

    def test_time_range_with_datetimes(self, sdk: Client, make_model: MakeModel) -> None:
        model = make_model()
        now = datetime.now(UTC)
        assert [m.id for m in sdk.models.list(created_at_from=now - timedelta(hours=1)).items] == [
            model.id
        ]
        assert sdk.models.list(createdAtTo=now - timedelta(hours=1)).items == []

    def test_company_override(self, sdk_for: SdkFactory, tenant: TenantFixture) -> None:
        admin = sdk_for("admin")
        model = admin.models.create(
            model_name="b-model",
            model_version="1",
            model_type="regression",
            algorithm="x",
            company=tenant.company_b,
        )
        assert model.company_id == tenant.company_b
        assert admin.models.list().items == []
        assert [m.id for m in admin.models.list(company=tenant.company_b).items] == [model.id]


class TestLifecycles:
    def test_training_run_completes(self, sdk: Client, make_model: MakeModel) -> None:
        run = sdk.training_runs.create(model_id=make_model().id, run_name="fit")
        done = sdk.training_runs.update(run.id, status=RunStatus.completed, accuracy=0.8)
        assert done.status is RunStatus.completed
        assert done.end_time is not None

    def test_pipeline_pause(self, sdk: Client) -> None:
        pipeline = sdk.pipelines.create(pipeline_name="p", pipeline_type="validation")
        paused = sdk.pipelines.update(pipeline.id, status="paused")
        assert paused.status is PipelineStatus.paused
        assert sdk.pipelines.list(status="paused").items == [paused]


class TestScope:
    @pytest.mark.usefixtures("clean_env")
    def test_missing_company(self, client: TestClient, tenant: TenantFixture) -> None:
        sdk = Client(api_key=tenant.keys["editor"], http_client=client)
        with pytest.raises(ConfigurationError, match="no company"):
            sdk.models.list()

    def test_other_tenants_row_is_not_found(
        self, make_model: MakeModel, client: TestClient, tenant_second: TenantFixture
    ) -> None:
        model = make_model()
        other = Client(
            api_key=tenant_second.keys["admin"],
            company=tenant_second.company_id,
            http_client=client,
        )
        with pytest.raises(NotFound):
            other.models.get(model.id)
        assert other.models.list().items == []

    def test_other_tenants_company_is_not_found(
        self, sdk: Client, tenant_second: TenantFixture
    ) -> None:
        with pytest.raises(NotFound) as info:
            sdk.models.list(company=tenant_second.company_id)
        assert info.value.error == "CompanyNotFound"


def test_package_exposes_the_client() -> None:
    import urutiq_ai

    assert urutiq_ai.Client is Client
