"""What the deadline routers share: tenant check and error answers.

Bad input answers 422 in FastAPI's own shape (``detail`` is a list of ``{loc, msg, type}``),
so a refusal by a domain rule names its field exactly as a schema error does; a request the
task's state does not allow answers 409 with the reason. Either way nothing is changed.
"""

from __future__ import annotations

from fastapi import HTTPException

from duban_common.http import valid_tenant  # noqa: F401 (the deadline routers call common.valid_tenant)

from ..domain.extensions import Refused


def field_error(loc: list, msg: str, type_: str = "value_error") -> HTTPException:
    return HTTPException(422, [{"loc": loc, "msg": msg, "type": type_}])


def refusal(refused: Refused) -> HTTPException:
    if refused.field is None:
        return HTTPException(409, refused.message)
    return field_error(["body", refused.field], refused.message, "refused")
