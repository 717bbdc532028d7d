"""The exception tree, in one place.

Every error a user can cause carries where it happened (file, row, column, key, field), so the CLI can
print a message that points at the fix; nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from biaotong.i18n import msg


@dataclass
class Location:
    file: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None
    field: str | None = None

    def describe(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(msg(f"文件 {self.file}", f"file {self.file}"))
        if self.row is not None:
            parts.append(msg(f"第 {self.row} 行", f"row {self.row}"))
        if self.column:
            parts.append(msg(f"列 {self.column}", f"column {self.column}"))
        if self.key:
            parts.append(msg(f"键 {self.key}", f"key {self.key}"))
        if self.field:
            parts.append(msg(f"字段 {self.field}", f"field {self.field}"))
        return msg("，", ", ").join(parts)


@dataclass
class BiaotongError(Exception):
    """Base of every error meant for the user. `zh`/`en` are the message; `where` says where."""

    zh: str
    en: str
    where: Location = field(default_factory=Location)
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = msg(self.zh, self.en)
        place = self.where.describe()
        return f"{place}: {text}" if place else text

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, Any]:
        loc = {k: v for k, v in vars(self.where).items() if v is not None}
        return {"error": type(self).__name__, "message": self.message, **loc, **self.details}


class ConfigError(BiaotongError):
    """A workspace, config or YAML file is malformed."""


class CatalogError(BiaotongError):
    """Unknown data element, code list, code, entity type or org unit."""


class SourceError(BiaotongError):
    """A source cannot be declared, reached or read."""


class SyncError(SourceError):
    """A sync failed; the previous snapshot stays current."""


class ExpressionError(BiaotongError):
    """A field expression is malformed, refers to unknown elements or uses a forbidden construct."""


class ReportError(BiaotongError):
    """An unknown report, period or org unit, or a report spec that cannot be used."""


class FormError(BiaotongError):
    """An Excel form cannot be read or understood."""


class LedgerError(BiaotongError):
    """The ledger cannot be appended to, proved or verified."""


class AccessDenied(BiaotongError):
    """The acting user's role or org scope does not allow this operation or this unit."""


class WorkflowError(BiaotongError):
    """A task, answer, review, correction or feedback cannot move as asked (wrong state, stale version, bad value)."""


def where(**kwargs: Any) -> Location:
    return Location(**kwargs)
