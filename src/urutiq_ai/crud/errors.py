"""The generic errors of every seed table's CRUD rules (``crud/service.py``).

Other domains raise them too, for their own rows, so that a missing or duplicate row
answers alike whichever route reached it.
"""

from urutiq_ai.core.errors import Conflict, NotFound


class ResourceNotFound(NotFound):
    """No such row in the context's tenant and company (another tenant's row included)."""


class DuplicateResource(Conflict):
    """A row with the same unique fields already exists in the company."""


class ResourceInUse(Conflict):
    """A delete refused: other rows still reference the row."""


class NotDeletable(Conflict):
    """A delete refused: the resource's rows are kept as history."""
