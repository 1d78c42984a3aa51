from urutiq_ai.core.errors import Conflict, NotFound, Unauthorized


class InvalidApiKey(Unauthorized):
    pass


class CompanyNotFound(NotFound):
    pass


class TenantNotFound(NotFound):
    pass


class ApiKeyNotFound(NotFound):
    pass


class DuplicateName(Conflict):
    pass
