"""Training runs: a job's own run, and those left behind (the start-up sweep); sources are
read by :mod:`urutiq_ai.sources.repository`."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.training.models import AIModelTrainingRun
from urutiq_ai.training.schemas import RunStatus


class TrainingRunRepository(TenantRepository[AIModelTrainingRun]):
    model = AIModelTrainingRun


class RunningRunsRepository:
    """System-level: training runs still marked ``running`` in any tenant (startup sweep)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all_running(self) -> list[AIModelTrainingRun]:
        stmt = select(AIModelTrainingRun).where(  # tenancy: global (system sweep)
            AIModelTrainingRun.status == RunStatus.running
        )
        return list(self.session.scalars(stmt))
