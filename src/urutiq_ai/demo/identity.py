"""Who the demo is (its tenant and companies) and whether a database holds it already:
read with SQLAlchemy alone, so a second ``urutiq-ai demo load`` answers without loading
the demo's generators and the ML stack."""

from urutiq_ai.core.db import make_engine, make_sessionmaker, sqlite_file_missing, unit_of_work
from urutiq_ai.core.scoping import bind_system
from urutiq_ai.tenancy import service as tenancy_service

DEMO_TENANT = "demo"
COMPANIES = (  # id, name, ledger profile, seed
    ("demo-services", "Northwind Services", "services", 7),
    ("demo-retail", "Contoso Retail", "retail", 11),
)
COMPANY_IDS = [company[0] for company in COMPANIES]


def demo_loaded(database_url: str) -> bool:
    """Whether the database at ``database_url`` holds the demo tenant (False when it cannot
    tell: the full load then reports what is wrong)."""
    from sqlalchemy.exc import SQLAlchemyError

    if sqlite_file_missing(database_url):
        return False
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            bind_system(session)
            return tenancy_service.get_tenant_or_none(session, DEMO_TENANT) is not None
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()
