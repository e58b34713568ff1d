"""Who is calling, as tasking's state machine needs it: the supervision office, or a unit
handler with its unit, from the bearer token (duban_common.auth). The state machine decides
what each may do; the access table (access.py) has already refused every other role and the
token's check a unit handler without a unit, so nothing here checks them again."""

from fastapi import Request

from duban_common import auth

from ..domain.states import Actor


def actor(request: Request) -> Actor:
    return Actor(auth.acting_role(request), auth.acting_unit(request), auth.acting_person(request))
