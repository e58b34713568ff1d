"""Who is calling, as tasking's state machine needs it: the supervision office, or a unit
handler with its unit, from the bearer token (duban_common.auth). The state machine decides
what each may do; the access table has already refused every other role."""

from fastapi import HTTPException, Request

from duban_common import auth

from ..domain.states import Actor


def actor(request: Request) -> Actor:
    role = auth.acting_role(request)
    if role not in ("supervision_office", "unit"):
        raise HTTPException(403, "只有督查室或承办单位可以办理任务")
    unit = auth.acting_unit(request)
    if role == "unit" and not unit:
        raise HTTPException(403, "承办单位的登录凭据缺少所属单位，请重新登录")
    return Actor(role, unit, auth.acting_person(request))
