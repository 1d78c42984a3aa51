"""Dashboard pages: audit."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)  # /audit is tenant-wide
