"""Webhook verbs beside the webhooks CRUD: send a test ping."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from urutiq_ai.alerts import service as alerts_service
from urutiq_ai.alerts.models import WebhookDelivery
from urutiq_ai.alerts.schemas import WebhookDeliveryRead
from urutiq_ai.core.context import TenantContext
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

router = APIRouter(tags=["webhooks"])
Admin = Annotated[TenantContext, Depends(company_role(alerts_service.ADMINS, "test webhooks"))]


@router.post(
    "/webhooks/{id}/test",
    response_model=WebhookDeliveryRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={404: {"description": "No such webhook in this company (or another tenant's)."}},
)
def test_webhook(session: SessionDep, ctx: Admin, webhook_id: IdPath) -> WebhookDelivery:
    """Send a signed ``ping`` to the webhook now; the delivery log shows the answer."""
    return alerts_service.send_test(session, ctx, webhook_id=webhook_id)
