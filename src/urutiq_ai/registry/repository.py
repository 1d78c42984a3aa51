from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.registry.models import AIModel, ModelArtifact
from urutiq_ai.registry.schemas import ModelStatus


class ModelRepository(TenantRepository[AIModel]):
    model = AIModel

    def versions(self, model_name: str) -> list[str]:
        stmt = self.base_statement().where(AIModel.model_name == model_name)
        return [row.model_version for row in self.session.scalars(stmt)]

    def latest_active(self, model_name: str) -> AIModel | None:
        stmt = (
            self.base_statement()
            .where(AIModel.model_name == model_name, AIModel.status == ModelStatus.active)
            .order_by(AIModel.created_at.desc())
        )
        return self.session.scalars(stmt.limit(1)).first()

    def active_versions(self, model_name: str) -> list[AIModel]:
        stmt = self.base_statement().where(
            AIModel.model_name == model_name, AIModel.status == ModelStatus.active
        )
        return list(self.session.scalars(stmt))


class ArtifactRepository(TenantRepository[ModelArtifact]):
    model = ModelArtifact

    def for_model(self, model_id: str) -> ModelArtifact | None:
        stmt = self.base_statement().where(ModelArtifact.model_id == model_id)
        return self.session.scalars(stmt).first()
