from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.quality.models import AIDataQuality


class QualityRepository(TenantRepository[AIDataQuality]):
    model = AIDataQuality
