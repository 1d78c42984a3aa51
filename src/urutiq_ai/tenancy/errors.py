from urutiq_ai.core.errors import Conflict, NotFound, Unauthorized


class InvalidApiKey(Unauthorized):
    pass


class SessionEnded(Unauthorized):
    """A dashboard session that was logged out: its cookie is refused, though signed."""


class CompanyNotFound(NotFound):
    pass


class TenantNotFound(NotFound):
    pass


class ApiKeyNotFound(NotFound):
    pass


class DuplicateName(Conflict):
    pass
