from sqlalchemy.orm import defer

from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.registry.models import AIModel, ModelArtifact
from urutiq_ai.registry.schemas import ModelStatus


class ModelRepository(TenantRepository[AIModel]):
    model = AIModel

    def versions(self, model_name: str) -> list[str]:
        stmt = self.base_statement().where(AIModel.model_name == model_name)
        return [row.model_version for row in self.session.scalars(stmt)]

    def named(self, model_name: str) -> list[AIModel]:
        """Every version of ``model_name``, newest first."""
        stmt = self.base_statement().where(AIModel.model_name == model_name)
        return list(self.session.scalars(stmt.order_by(AIModel.created_at.desc())))

    def latest_active(self, model_name: str) -> AIModel | None:
        stmt = (
            self.base_statement()
            .where(AIModel.model_name == model_name, AIModel.status == ModelStatus.active)
            .order_by(AIModel.created_at.desc())
        )
        return self.session.scalars(stmt.limit(1)).first()

    def with_artifact(self, model_id: str) -> tuple[AIModel, ModelArtifact | None] | None:
        """The model and its stored pipeline's row in one query (the predict path's).

        The reference profile and training spec (kilobytes of JSON serving does not read)
        are left to load on first access.
        """
        same_company = (ModelArtifact.model_id == AIModel.id) & (
            ModelArtifact.company_id == AIModel.company_id
        )
        stmt = (
            self.base_statement()
            .where(AIModel.id == model_id)
            .outerjoin(ModelArtifact, same_company)
            .add_columns(ModelArtifact)
            .options(defer(ModelArtifact.reference_profile), defer(ModelArtifact.training_spec))
        )
        found = self.session.execute(stmt).one_or_none()
        return None if found is None else (found[0], found[1])

    def active_versions(self, model_name: str) -> list[AIModel]:
        stmt = self.base_statement().where(
            AIModel.model_name == model_name, AIModel.status == ModelStatus.active
        )
        return list(self.session.scalars(stmt))

    def all_active(self) -> list[AIModel]:
        """Every active model version of the context's companies."""
        stmt = self.base_statement().where(AIModel.status == ModelStatus.active)
        return list(self.session.scalars(stmt.order_by(AIModel.model_name, AIModel.created_at)))


class ArtifactRepository(TenantRepository[ModelArtifact]):
    model = ModelArtifact

    def for_model(self, model_id: str) -> ModelArtifact | None:
        stmt = self.base_statement().where(ModelArtifact.model_id == model_id)
        return self.session.scalars(stmt).first()
