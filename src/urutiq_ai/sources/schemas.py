"""Where data is read from: a platform table, a SELECT, or a file of the company's folder."""

from pydantic import model_validator

from urutiq_ai.core.schemas import LongText, Name, RequestSchema, ShortText


class SourceSpec(RequestSchema):
    """Where training data comes from: exactly one of ``table``, ``query`` or ``file``.

    ``table``: a data table of the platform database (never one of this system's own);
    rows are limited to the company. ``query``: one SELECT in SQLite's dialect, run in the
    query sandbox over the company's rows of the data tables it names (docs/security.md).
    ``file``: a Parquet or CSV file in the company's folder of the server's sources folder,
    ``<URUTIQ_SOURCES>/<tenantId>/<companyId>/``.
    """

    table: Name | None = None
    query: LongText | None = None
    file: ShortText | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "SourceSpec":
        given = [name for name in ("table", "query", "file") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of table, query or file")
        return self

    def label(self) -> str:
        """A short name for results: the table, the file, or ``query``."""
        return self.table or self.file or "query"
