"""With no URL, the SDK drives the app in-process on the configured local database."""

import pytest

from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.settings import get_settings
from urutiq_ai.sdk import Client, DatabaseNotReady
from urutiq_ai.tenancy import admin


def _bootstrap(url: str) -> str:
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        created = admin.bootstrap_local(session)
        assert created is not None
        key = created.plaintext_key
    engine.dispose()
    return key


class TestInProcess:
    def test_works_on_local_database(self, local_db_url: str) -> None:
        upgrade(local_db_url)
        key = _bootstrap(local_db_url)
        with Client(api_key=key, company="local-company") as sdk:
            model = sdk.models.create(
                model_name="m", model_version="1", model_type="clustering", algorithm="kmeans"
            )
            assert sdk.models.get(model.id).company_id == "local-company"
            assert sdk.whoami().tenant_id == "local"
        with Client(api_key=key, company="local-company") as again:
            assert [m.id for m in again.models.list().items] == [model.id]

    def test_settings_provide_key_and_company(
        self, local_db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        upgrade(local_db_url)
        monkeypatch.setenv("URUTIQ_API_KEY", _bootstrap(local_db_url))
        monkeypatch.setenv("URUTIQ_COMPANY", "local-company")
        get_settings.cache_clear()
        with Client() as sdk:
            assert sdk.company == "local-company"
            assert sdk.models.list().items == []

    @pytest.mark.usefixtures("local_db_url")
    def test_not_migrated(self) -> None:
        with pytest.raises(DatabaseNotReady, match="urutiq-ai db upgrade"):
            Client(api_key="uiq_x", company="c")

    def test_migrated_to_an_older_revision(self, local_db_url: str) -> None:
        upgrade(local_db_url, "base")
        with pytest.raises(DatabaseNotReady, match="urutiq-ai db upgrade"):
            Client(api_key="uiq_x", company="c")
