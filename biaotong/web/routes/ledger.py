"""The ledger: the witness endpoints (public), verification, proofs and trace (auditors)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from biaotong.auth.actor import require_role
from biaotong.services import ledger as svc
from biaotong.services.reports import default_question
from biaotong.web.deps import ApiActor, PageActor, WorkspaceDep
from biaotong.web.render import NavItem, page

api = APIRouter(prefix="/api", tags=["ledger"])
pages = APIRouter()
nav = [NavItem("/ledger", "存证账本", "Ledger", svc.AUDITORS, 40)]


@api.get("/ledger/head", summary="Witness endpoint: the newest signed tree head and the log's public key")
def head_api(ws: WorkspaceDep) -> dict[str, Any]:
    return svc.head_document(svc.WITNESS, ws)


@api.get("/ledger/consistency/{old}/{new}", summary="Witness endpoint: consistency proof between two sizes")
def consistency_api(ws: WorkspaceDep, old: Annotated[int, Path(ge=1, le=2**53)],
                    new: Annotated[int, Path(ge=1, le=2**53)]) -> dict[str, Any]:
    return svc.consistency(svc.WITNESS, ws, old, new)


@api.get("/ledger/verify", summary="Recompute the whole ledger and check every signed head")
def verify_api(actor: ApiActor, ws: WorkspaceDep) -> dict[str, Any]:
    return svc.verify(actor, ws).to_json()


@api.get("/ledger/prove/{seq}", summary="Inclusion proof of one entry")
def prove_api(actor: ApiActor, ws: WorkspaceDep, seq: Annotated[int, Path(ge=0, le=2**53)]) -> dict[str, Any]:
    return svc.prove(actor, ws, seq)


@api.get("/trace/{report_id}", summary="Trace a cell to its snapshots and ledger entries")
def trace_api(actor: ApiActor, ws: WorkspaceDep, report_id: str, field: Annotated[str, Query(max_length=80)],
              period: Annotated[str | None, Query(max_length=20)] = None,
              org: Annotated[str | None, Query(max_length=12)] = None) -> dict[str, Any]:
    per, unit = default_question(actor, ws, period, org)
    return svc.trace(actor, ws, report_id, per, unit, field)


@pages.get("/ledger")
def ledger_page(request: Request, actor: PageActor, ws: WorkspaceDep, verify: bool = False) -> Response:
    require_role(actor, *svc.AUDITORS)
    svc.sign_head(actor, ws)  # the page shows, and witnesses then see, a head covering everything so far
    head = svc.head_document(actor, ws)
    report = svc.verify(actor, ws).to_json() if verify else None
    return page(request, "ledger.html", actor, head=head, report=report)
