"""Identifier types shared by every layer."""

from typing import NewType

TenantId = NewType("TenantId", str)
CompanyId = NewType("CompanyId", str)
