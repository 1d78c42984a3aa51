"""Webhook verbs beside the webhooks CRUD: send a test ping."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from urutiq_ai.alerts.models import WebhookDelivery
from urutiq_ai.alerts.schemas import WebhookDeliveryRead, WebhookEvent
from urutiq_ai.alerts.service import ADMINS, WEBHOOKS, queue_deliveries
from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud import service as crud_service
from urutiq_ai.tenancy.deps import SessionDep, company_role

router = APIRouter(tags=["webhooks"])
Admin = Annotated[TenantContext, Depends(company_role(ADMINS, "test webhooks"))]


@router.post(
    "/webhooks/{id}/test",
    response_model=WebhookDeliveryRead,
    status_code=status.HTTP_202_ACCEPTED,
)
def test_webhook(
    session: SessionDep, ctx: Admin, webhook_id: Annotated[str, Path(alias="id", max_length=64)]
) -> WebhookDelivery:
    """Send a signed ``ping`` to the webhook now; the delivery log shows the answer."""
    hook = crud_service.get_row(session, ctx, WEBHOOKS, webhook_id)
    (delivery,) = queue_deliveries(
        session,
        ctx,
        hook.company_id,
        [(WebhookEvent.ping, None)],
        now=datetime.now(UTC),
        webhooks=[hook],
    )
    return delivery
