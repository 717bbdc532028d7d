"""Single-unit forms (cards) for many units in one command: a folder with one filled workbook per unit.

(One workbook with a sheet per unit is the `template` exporter's own answer when a card is asked for a unit
above its level; see biaotong.forms.fill.fill_cards.) Scope, role and masking are report_result's: the
units are those under the asked unit, inside the user's subtree. Every file is recorded in the ledger.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from biaotong.auth.actor import Actor
from biaotong.errors import ReportError, where
from biaotong.forms.fill import sheet_name

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def generate_card_folder(
    actor: Actor, ws: Workspace, report_id: str, period: str, org: str, directory: Path, *,
    level: str | None = None, known_at: datetime | None = None,
) -> list[Path]:
    """One `<code>_<name>.xlsx` per unit of the card's level under `org`, each the department's own form."""
    from biaotong.reports.export import export
    from biaotong.services.reports import report_result

    result = report_result(actor, ws, report_id, period, org, level=level, known_at=known_at)
    if result.spec.layout != "form":
        raise ReportError(
            f"报表 {report_id} 不是单位卡片（版式 {result.spec.layout}），不能按单位分别输出",
            f"report {report_id} is not a single-unit form (layout {result.spec.layout}); it has no cards to split",
            where(key=report_id),
        )
    cards = result.cards or [{"org_code": result.org_code, "org_name": result.org_name, "items": result.items}]
    directory.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    written: list[Path] = []
    for card in cards:
        one = replace(result, org_code=card["org_code"], org_name=card["org_name"], items=card["items"], cards=[])
        name = sheet_name(f"{card['org_code']}_{card['org_name']}", used)
        written.append(export(one, "template", directory / f"{name}.xlsx", ws=ws, actor=actor.ledger_actor))
    return written
