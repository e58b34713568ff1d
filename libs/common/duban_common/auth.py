"""Who is calling, and may they: bearer JWTs (OIDC-compatible) and one access table per
service (docs/decisions/0013-authentication.md).

- A token names its tenant (claim ``tenant``; ``*`` only for operators), its roles (claim
  ``roles``), for a unit handler its unit (claim ``unit``), for an integrator its platform
  (claim ``source``, the CloudEvents source it submits as), and carries ``iss``, ``aud``,
  ``exp``. Signatures are checked against a JWKS document (a file or a URL, the identity
  provider's); an unknown ``kid`` re-reads it once, which is how keys rotate.
- Every route of a service is listed in its access table with the roles that may call it;
  a route missing from the table is refused for everyone (deny by default). The tenant in
  the path must be the token's tenant: checked here, once, not in each handler.
- The embedded run has its own issuer: a signing key under ``<data_dir>/auth`` and
  ``duban token`` to mint demo tokens.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import Depends, HTTPException, Request

from . import tenancy
from .logging import get_logger
from .unitscope import UNIT_ROLES, UnitScope

log = get_logger(__name__)

# The last three sign documents off (docs/decisions/0022-sign-off.md): a unit's head (bound to
# the unit, walled in like its handlers), the government office's deputy director in charge of
# supervision (分管副主任, who proposes notices) and its director (主任, who signs them).
ROLES = (
    "supervision_office",
    "unit",
    "leader",
    "discipline",
    "integrator",
    "operator",
    "unit_head",
    "office_deputy",
    "office_director",
)
OFFICE, UNIT, LEADER, DISCIPLINE, INTEGRATOR, OPERATOR, UNIT_HEAD, OFFICE_DEPUTY, OFFICE_DIRECTOR = ROLES
READERS = frozenset(
    {OFFICE, UNIT, LEADER, DISCIPLINE, UNIT_HEAD, OFFICE_DEPUTY, OFFICE_DIRECTOR}
)  # the tenant's own people
ALGORITHMS = ["ES256", "RS256"]
ANY_TENANT = "*"
PUBLIC_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/docs", "/openapi.json", "/docs/oauth2-redirect", "/redoc"}
)


@dataclass(frozen=True)
class Principal:
    subject: str
    tenant: str
    roles: frozenset[str]
    unit: str | None = None
    name: str | None = None
    source: str | None = None  # an integrator's platform (the CloudEvents source it submits as)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role(self) -> str:
        """The role the caller acts in (the first of ROLES it holds)."""
        return next(r for r in ROLES if r in self.roles)

    def label(self) -> str:
        """For audit entries and logs: never a citizen's data, only the official's identity."""
        return f"{self.role}:{self.unit or '-'}:{self.subject}"


class Unauthorized(Exception):
    pass


@dataclass
class KeySet:
    """The issuer's public keys: a JWKS file or URL, re-read on an unknown key id."""

    file: Path | None = None
    url: str | None = None
    min_refresh_s: float = 30.0
    _keys: dict[str, jwt.PyJWK] = field(default_factory=dict)
    _loaded_at: float = 0.0

    def _load(self) -> None:
        if self.url:
            doc = httpx.get(self.url, timeout=5).json()
        elif self.file:
            doc = json.loads(self.file.read_text())
        else:
            raise Unauthorized("暂时无法核验令牌：没有配置公钥（DUBAN_AUTH_JWKS_FILE 或 DUBAN_AUTH_JWKS_URL）")
        self._keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(doc).keys if k.key_id}
        self._loaded_at = time.monotonic()

    def key(self, kid: str | None) -> jwt.PyJWK:
        if not kid:
            raise Unauthorized("令牌无效，请重新登录（令牌没有密钥编号 kid）")
        if kid not in self._keys and time.monotonic() - self._loaded_at >= (self.min_refresh_s if self._keys else 0):
            try:
                self._load()
            except (OSError, ValueError, httpx.HTTPError, jwt.PyJWKSetError) as error:
                raise Unauthorized(
                    f"暂时无法核验令牌：读不到签发方的公钥（{type(error).__name__}），请稍后再试"
                ) from None
        if kid not in self._keys:
            raise Unauthorized("令牌无效，请重新登录（签名密钥未知）")
        return self._keys[kid]


@dataclass
class Verifier:
    keys: KeySet
    issuer: str
    audience: str
    leeway_s: int = 5  # ServiceSettings.auth_leeway_s

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            key = self.keys.key(header.get("kid"))
            claims = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("登录已过期，请重新登录") from None
        except jwt.InvalidTokenError as error:
            raise Unauthorized(f"令牌无效，请重新登录（{type(error).__name__}）") from None
        roles = claims.get("roles")
        if isinstance(roles, str):
            roles = roles.split()
        if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
            raise Unauthorized(f"令牌中的角色不对：应为以下之一 {'、'.join(ROLES)}")
        tenant = claims.get("tenant")
        if not isinstance(tenant, str) or not tenant or (tenant == ANY_TENANT and OPERATOR not in roles):
            raise Unauthorized("令牌没有写明租户（tenant）；只有平台运维可以是 '*'")
        unit = claims.get("unit")
        if UNIT_ROLES.intersection(roles) and not unit:
            raise Unauthorized("承办单位人员的令牌必须写明单位（unit）")
        source = claims.get("source")
        if INTEGRATOR in roles and not (isinstance(source, str) and source):
            raise Unauthorized("对接平台的令牌必须写明平台（source，如 /platforms/oa）")
        return Principal(
            str(claims["sub"]),
            tenant,
            frozenset(roles),
            unit,
            claims.get("name"),
            source if isinstance(source, str) else None,
        )


# --- the access table and the check every request goes through ---

Access = dict[tuple[str, str], frozenset[str]]  # (method, route path) → roles


def rule(*roles: str) -> frozenset[str]:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    return frozenset(roles)


class Authorizer:
    """A FastAPI app-level dependency: authenticates, then checks the route's roles, the tenant,
    and for a unit handler that what the path names is its unit's (unitscope.py)."""

    def __init__(
        self,
        verifier: Verifier | None,
        access: Access,
        *,
        enabled: bool = True,
        units: UnitScope | None = None,
        db=None,
    ) -> None:
        self.verifier = verifier
        self.access = access
        self.enabled = enabled
        self.units = units or UnitScope()  # a unit handler's wall (unitscope.py), looked up in ``db``
        self.db = db
        self.units.check(access)

    async def __call__(self, request: Request) -> None:
        route = request.scope.get("route")
        path = getattr(route, "path", request.url.path)
        if path in PUBLIC_PATHS:
            return
        if not self.enabled:
            request.state.principal = None
            tenancy.set_scope(request.path_params.get("tenant") or tenancy.ALL)
            return
        principal = self.authenticate(request)
        allowed = self.access.get((request.method, path))
        if allowed is None and request.method == "HEAD":
            allowed = self.access.get(("GET", path))
        if allowed is None:
            log.warning("route not in the access table: refused", method=request.method, path=path)
            raise HTTPException(403, f"{request.method} {path} 不对任何角色开放")
        if not principal.has(*allowed):
            raise HTTPException(
                403,
                f"当前角色（{principal.role}）无权执行 {request.method} {path}；可执行的角色：{'、'.join(sorted(allowed))}",
            )
        tenant = request.path_params.get("tenant")
        if tenant is not None and principal.tenant not in (tenant, ANY_TENANT):
            raise HTTPException(403, f"令牌属于租户 {principal.tenant}，不能访问租户 {tenant} 的数据")
        request.state.principal = principal
        # The data layer's scope for this request (tenancy.py): the tenant in the path, else the token's
        tenancy.set_scope(tenant or (tenancy.ALL if principal.tenant == ANY_TENANT else principal.tenant))
        own = unit_scope(request)
        if own is not None:
            await self.units.hold(request, own, self.db)

    def authenticate(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        # The header only, never ?access_token= (RFC 6750 §2.3): a token in a URL ends up in
        # browser histories and proxy logs. People reach documents through the workbench.
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(
                401, "请先登录：请求没有带令牌（Authorization: Bearer <JWT>）", headers={"WWW-Authenticate": "Bearer"}
            )
        try:
            assert self.verifier is not None  # authentication enabled means a verifier
            return self.verifier.verify(token.strip())
        except Unauthorized as error:
            raise HTTPException(401, str(error), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None


def acting_role(request: Request) -> str | None:
    """The role the caller acts in: the token's, or with authentication off the role the
    caller states in ``X-Duban-Role`` (a development convenience, never in production)."""
    principal = principal_of(request)
    if principal is not None:
        return principal.role
    return request.headers.get("x-duban-role")


def acting_unit(request: Request) -> str | None:
    principal = principal_of(request)
    if principal is not None:
        return principal.unit
    return request.headers.get("x-duban-unit")


def acting_person(request: Request) -> str | None:
    """Who acts, for the records that name a person (requested_by, decided_by): the token's
    name (else its subject) with its unit, never what the request body says. With
    authentication off, the role and unit the caller states (a development convenience)."""
    principal = principal_of(request)
    if principal is None:
        stated = [h for h in (request.headers.get("x-duban-role"), request.headers.get("x-duban-unit")) if h]
        return ":".join(stated) or None
    who = principal.name or principal.subject
    return f"{who}（{principal.unit}）" if principal.unit else who


# Route parameters for who acts: ``person: auth.ActingPerson``, ``unit: auth.ActingUnit``
ActingPerson = Annotated[str | None, Depends(acting_person)]
ActingUnit = Annotated[str | None, Depends(acting_unit)]


def principal_of(request: Request) -> Principal | None:
    """The authenticated caller (None only when authentication is switched off)."""
    return getattr(request.state, "principal", None)


def source_scope(request: Request) -> str | None:
    """The platform an integrator is confined to: it sees only what it submitted (None for every other role)."""
    principal = principal_of(request)
    return principal.source if principal is not None and principal.roles == {INTEGRATOR} else None


def unit_scope(request: Request) -> str | None:
    """The unit a unit handler is confined to (None for every other role)."""
    principal = principal_of(request)
    return principal.unit if principal is not None and principal.roles <= UNIT_ROLES else None


# --- the embedded issuer (demo tokens) ---


@dataclass
class LocalIssuer:
    """An EC P-256 signing key and its JWKS under ``<data_dir>/auth``; created on first use."""

    directory: Path
    issuer: str = "duban-embedded"
    audience: str = "duban"
    _signing: tuple[str, bytes] | None = field(default=None, repr=False)  # (kid, private key PEM), read once

    @classmethod
    def embedded(cls, data_dir: Path) -> "LocalIssuer":
        """The embedded run's issuer: ``$DUBAN_AUTH_DIR`` or ``<data_dir>/auth``, the folder
        whose ``jwks.json`` the services trust by default (ServiceSettings.issuer_dir)."""
        return cls(Path(os.environ.get("DUBAN_AUTH_DIR") or Path(data_dir) / "auth").resolve())

    @property
    def jwks_file(self) -> Path:
        return self.directory / "jwks.json"

    @property
    def key_file(self) -> Path:
        return self.directory / "signing-key.pem"

    def ensure(self) -> "LocalIssuer":
        if self.key_file.exists() and self.jwks_file.exists():
            return self
        self.directory.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = self.key_file.with_suffix(".tmp")
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        tmp.replace(self.key_file)
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        jwk.update(kid=uuid.uuid4().hex[:16], use="sig", alg="ES256")
        self.jwks_file.write_text(json.dumps({"keys": [jwk]}, indent=2))
        return self

    def token(
        self,
        *,
        tenant: str,
        roles: list[str] | tuple[str, ...],
        unit: str | None = None,
        subject: str | None = None,
        name: str | None = None,
        source: str | None = None,
        ttl_s: int = 12 * 3600,
    ) -> str:
        if self._signing is None:
            self.ensure()
            self._signing = (json.loads(self.jwks_file.read_text())["keys"][0]["kid"], self.key_file.read_bytes())
        kid, key = self._signing
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject or f"{roles[0]}:{unit or tenant}",
            "iat": now,
            "nbf": now - 5,
            "exp": now + ttl_s,
            "tenant": tenant,
            "roles": list(roles),
        }
        if unit:
            claims["unit"] = unit
        if name:
            claims["name"] = name
        if source:
            claims["source"] = source
        return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})


def authorizer(settings, access: Access, units: UnitScope | None = None, db=None) -> Authorizer:
    """The service's authorizer from its settings (``DUBAN_AUTH_*``)."""
    if settings.auth == "off":
        log.warning("authentication is OFF: every caller is trusted (never in production)")
        return Authorizer(None, access, enabled=False, units=units, db=db)
    jwks_file = settings.auth_jwks_file or (settings.issuer_dir() / "jwks.json")
    keys = KeySet(file=None if settings.auth_jwks_url else Path(jwks_file), url=settings.auth_jwks_url)
    verifier = Verifier(keys, settings.auth_issuer, settings.auth_audience, leeway_s=settings.auth_leeway_s)
    return Authorizer(verifier, access, units=units, db=db)
