"""The sign-off routes, the same in every service that owns drafts: what waits for me, a draft,
taking its next step, and the tenant's chains. A service includes :data:`router`, sets its
:class:`~.service.Desk` as ``runtime.signoff`` and adds :func:`access` and :func:`unit_scope`
to its access table and unit wall."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from .. import auth
from ..dependencies import runtime_of
from ..http import ERROR_RESPONSES, valid_tenant
from ..unitscope import Owner
from .model import DOC_TYPES, Chain, SignoffError, Turn
from .service import Decision, Desk
from .tables import SignoffTables
from .views import DraftOut, draft_out

APPROVALS = "/v1/tenants/{tenant}/approvals"
DRAFT = "/v1/tenants/{tenant}/drafts/{draft_id}"
STEPS = DRAFT + "/steps"
CHAIN = "/v1/tenants/{tenant}/signoff-chains/{doc_type}"
router = APIRouter(tags=["sign-off"], responses=ERROR_RESPONSES)


class StepIn(BaseModel):
    decision: Literal["approve", "refuse"] = Field(
        description="approve: take the step; refuse: send the draft back (ends it)"
    )
    reason: str | None = Field(None, max_length=2000, description="required to refuse")
    action: str | None = Field(
        None,
        max_length=10,
        description="the step the caller means to take (提出, 同意, 签发 ...); 409 when the draft waits for another",
    )


class ChainOut(BaseModel):
    doc_type: str
    doc_name: str
    steps: list[dict]
    automatic: bool
    own: bool = Field(description="the tenant's own chain (else the reference documents' default)")
    describe: str


def desk_of(request: Request) -> Desk:
    return request.app.state.runtime.signoff


def turn_of(request: Request) -> Turn:
    """Who acts: the token's subject, roles and unit (with authentication off, what the headers state)."""
    principal = auth.principal_of(request)
    if principal is not None:
        return Turn(principal.subject, principal.roles, principal.unit)
    role = auth.acting_role(request)
    person = request.headers.get("x-duban-person") or auth.acting_person(request) or "-"
    return Turn(person, frozenset({role} if role else ()), auth.acting_unit(request))


DeskDep = Annotated[Desk, Depends(desk_of)]  # the service's sign-off desk (Runtime.signoff)
TurnDep = Annotated[Turn, Depends(turn_of)]


def person_name(request: Request, turn: Turn, person: str | None) -> str:
    """How the records name who acts: the token's name (with the unit), else who the headers state."""
    return (person or turn.person) if auth.principal_of(request) is not None else turn.person


def refused(error: SignoffError) -> HTTPException:
    return HTTPException(error.status, str(error))


@router.get(APPROVALS, response_model=list[DraftOut])
async def approvals(
    request: Request,
    tenant: str,
    desk: DeskDep,
    turn: TurnDep,
    mine: bool = Query(True, description="1: the drafts waiting for my step"),
) -> list[DraftOut]:
    """What waits for me (``mine=1``), or every draft waiting for one of my roles' steps (``mine=0``)."""
    async with runtime_of(request).db.read() as session:
        rows = await (desk.mine(session, valid_tenant(tenant), turn) if mine else desk.waiting(session, tenant, turn))
    return [draft_out(row) for row in rows]


@router.get(DRAFT, response_model=DraftOut)
async def get_draft(request: Request, tenant: str, draft_id: str, desk: DeskDep) -> DraftOut:
    try:
        async with runtime_of(request).db.read() as session:
            return draft_out(await desk.view(session, valid_tenant(tenant), draft_id))
    except SignoffError as error:
        raise refused(error) from None


@router.post(STEPS, response_model=DraftOut)
async def take_step(
    request: Request,
    tenant: str,
    draft_id: str,
    body: StepIn,
    desk: DeskDep,
    turn: TurnDep,
    person: auth.ActingPerson,
) -> DraftOut:
    """Take the draft's next step: approve (the last approval issues it) or refuse with a reason."""
    decision = Decision(body.decision, body.reason, body.action)
    if desk.warm is not None:
        await desk.warm(valid_tenant(tenant))
    try:
        async with runtime_of(request).unit_of_work() as uow:
            row = await desk.act(
                uow, valid_tenant(tenant), draft_id, turn, person_name(request, turn, person), decision
            )
    except SignoffError as error:
        raise refused(error) from None
    return draft_out(row)


@router.get(CHAIN, response_model=ChainOut)
async def get_chain(request: Request, tenant: str, doc_type: str, desk: DeskDep) -> ChainOut:
    try:
        async with runtime_of(request).db.read() as session:
            chain, own = await desk.chain(session, valid_tenant(tenant), doc_type)
    except SignoffError as error:
        raise refused(error) from None
    return chain_out(doc_type, chain, own)


@router.put(CHAIN, response_model=ChainOut)
async def put_chain(
    request: Request,
    tenant: str,
    doc_type: str,
    body: Chain,
    desk: DeskDep,
    person: auth.ActingPerson,
) -> ChainOut:
    """The tenant's chain for this type of document (``{"steps": []}``: automatic, where its rules allow)."""
    try:
        async with runtime_of(request).unit_of_work() as uow:
            await desk.set_chain(uow, valid_tenant(tenant), doc_type, body, person or "-")
    except SignoffError as error:
        raise refused(error) from None
    return chain_out(doc_type, body, True)


def chain_out(doc_type: str, chain: Chain, own: bool) -> ChainOut:
    return ChainOut(
        doc_type=doc_type,
        doc_name=DOC_TYPES.get(doc_type, doc_type),
        steps=[s.model_dump() for s in chain.steps],
        automatic=chain.automatic,
        own=own,
        describe=chain.describe(),
    )


def access() -> auth.Access:
    """The routes' rows of a service's access table."""
    return {
        ("GET", APPROVALS): auth.READERS,
        ("GET", DRAFT): auth.READERS,
        ("POST", STEPS): auth.rule(auth.OFFICE, auth.LEADER, auth.UNIT_HEAD, auth.OFFICE_DEPUTY, auth.OFFICE_DIRECTOR),
        ("GET", CHAIN): auth.READERS,
        ("PUT", CHAIN): auth.rule(auth.OFFICE, auth.OPERATOR),
    }


def unit_scope(tables: SignoffTables | Desk) -> dict:
    """The routes' part of a service's unit wall (unitscope.UnitScope's owners, confined, shared):
    a unit-bound person sees its own unit's drafts only; the list confines itself. It takes the
    tables (an access module is read before bootstrap builds the desk) or the desk."""
    drafts = (tables.tables if isinstance(tables, Desk) else tables).drafts
    return {
        "owners": {"draft_id": Owner("文稿", lambda draft_id: select(drafts.c.unit).where(drafts.c.id == draft_id))},
        "confined": frozenset({("GET", APPROVALS)}),
        "shared": frozenset({("GET", CHAIN)}),
    }
