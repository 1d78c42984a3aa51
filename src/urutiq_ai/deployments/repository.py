from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.deployments.models import AIDeployment, DeploymentRevision
from urutiq_ai.deployments.schemas import DeploymentStatus, Environment, RevisionStatus

SERVING = (DeploymentStatus.active, DeploymentStatus.rolled_back)


class DeploymentRepository(TenantRepository[AIDeployment]):
    model = AIDeployment

    def locked(self, deployment_id: str) -> AIDeployment | None:
        """The deployment, its row locked until commit (PostgreSQL) so changes queue up."""
        stmt = self.base_statement().where(AIDeployment.id == deployment_id).with_for_update()
        return self.session.scalars(stmt).one_or_none()

    def named(self, name: str, environment: Environment) -> AIDeployment | None:
        return self.find_by(deployment_name=name, environment=environment)

    def environments_of(self, name: str) -> list[Environment]:
        stmt = self.base_statement().where(AIDeployment.deployment_name == name)
        return [row.environment for row in self.session.scalars(stmt)]

    def serving_now(self) -> Sequence[AIDeployment]:
        """Every deployment that serves (active, or rolled back to an earlier revision)."""
        return self.scalars(self.base_statement().where(AIDeployment.status.in_(SERVING)))


class RevisionRepository(TenantRepository[DeploymentRevision]):
    model = DeploymentRevision

    def of(self, deployment_id: str) -> Sequence[DeploymentRevision]:
        """Every revision of a deployment, newest first."""
        stmt = (
            self.base_statement()
            .where(DeploymentRevision.deployment_id == deployment_id)
            .order_by(DeploymentRevision.version.desc())
        )
        return self.scalars(stmt)

    def serving(self, deployment_id: str) -> DeploymentRevision | None:
        return self.find_by(deployment_id=deployment_id, status=RevisionStatus.active)

    def version(self, deployment_id: str, version: int) -> DeploymentRevision | None:
        return self.find_by(deployment_id=deployment_id, version=version)

    def last_version(self, deployment_id: str) -> int:
        latest = self.of(deployment_id)
        return latest[0].version if latest else 0

    def previous_good(
        self, deployment_id: str, before: int, *, unlike: DeploymentRevision | None = None
    ) -> DeploymentRevision | None:
        """The newest revision before ``before`` that served until another replaced it, and
        serves something else than ``unlike`` (another model or config)."""
        stmt = (
            self.base_statement()
            .where(
                DeploymentRevision.deployment_id == deployment_id,
                DeploymentRevision.version < before,
                DeploymentRevision.status == RevisionStatus.superseded,
            )
            .order_by(DeploymentRevision.version.desc())
        )
        for row in self.scalars(stmt):
            if unlike is None or (row.model_id, row.config) != (unlike.model_id, unlike.config):
                return row
        return None

    def served_at(
        self, at: datetime, *, environment: Environment | None, name: str | None
    ) -> Sequence[DeploymentRevision]:
        """The revisions that were serving at ``at`` (started, not yet ended)."""
        stmt = self.base_statement().where(
            DeploymentRevision.started_at.is_not(None),
            DeploymentRevision.started_at <= at,
            or_(DeploymentRevision.ended_at.is_(None), DeploymentRevision.ended_at > at),
        )
        return self.scalars(_narrowed(stmt, environment, name))

    def served_between(
        self,
        start: datetime | None,
        end: datetime | None,
        *,
        environment: Environment | None,
        name: str | None,
    ) -> Sequence[DeploymentRevision]:
        """Revisions that served at some moment of ``[start, end)``, oldest first."""
        stmt = self.base_statement().where(DeploymentRevision.started_at.is_not(None))
        if end is not None:
            stmt = stmt.where(DeploymentRevision.started_at < end)
        if start is not None:
            stmt = stmt.where(
                or_(DeploymentRevision.ended_at.is_(None), DeploymentRevision.ended_at > start)
            )
        ordered = _narrowed(stmt, environment, name).order_by(DeploymentRevision.started_at)
        return self.scalars(ordered)

    def of_model(self, model_id: str) -> list[DeploymentRevision]:
        stmt = self.base_statement().where(DeploymentRevision.model_id == model_id)
        return list(self.scalars(stmt.order_by(DeploymentRevision.created_at.desc())))

    def serving_model(self, model_id: str) -> list[DeploymentRevision]:
        """The revisions serving ``model_id`` now (as the deployment's own model)."""
        stmt = self.base_statement().where(
            DeploymentRevision.model_id == model_id,
            DeploymentRevision.status == RevisionStatus.active,
        )
        return list(self.scalars(stmt))


def _narrowed(
    stmt: Select[DeploymentRevision], environment: Environment | None, name: str | None
) -> Select[DeploymentRevision]:
    if environment is not None:
        stmt = stmt.where(DeploymentRevision.environment == environment)
    if name is not None:
        stmt = stmt.where(DeploymentRevision.deployment_name == name)
    return stmt


class DueHealthRepository:
    """System-level: serving deployments of every tenant whose health check is due."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def due(self, now: datetime, limit: int = 200) -> list[tuple[str, str, str]]:
        """(tenantId, companyId, deploymentId) of due deployments, most overdue first."""
        stmt = (
            select(  # tenancy: global (scheduler sweep over every tenant)
                AIDeployment.tenant_id, AIDeployment.company_id, AIDeployment.id
            )
            .where(
                AIDeployment.status.in_(SERVING),
                AIDeployment.health_due_at.is_not(None),
                AIDeployment.health_due_at <= now,
            )
            .order_by(AIDeployment.health_due_at)
            .limit(limit)
        )
        return [(row[0], row[1], row[2]) for row in self.session.execute(stmt)]
