"""Dashboard pages: deployments."""

from fastapi import APIRouter

router = APIRouter(prefix="/companies/{companyId}", include_in_schema=False)
