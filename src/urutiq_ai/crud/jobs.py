"""The job ledger served read-only like every resource (``/companies/{companyId}/jobs``)."""

from urutiq_ai.core.ledger import models as ledger_models
from urutiq_ai.core.ledger.schemas import JobRead
from urutiq_ai.core.schemas import SystemWritten
from urutiq_ai.crud.resource import Resource

JOBS = Resource(
    path="jobs",
    model=ledger_models.JobRecord,
    create_schema=SystemWritten,
    read_schema=JobRead,
    filters=("status", "name", "worker_id"),
    time_field="created_at",
    creatable=False,
)
