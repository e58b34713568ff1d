"""Who signs in: a token (minted for a demo account, or the identity provider's) checked
exactly as the services check it (duban_common.auth.Verifier), turned into a session."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import jwt

from duban_common.auth import KeySet, LocalIssuer, Unauthorized, Verifier

from . import accounts as demo
from .session import Session, new_csrf

# the tenant's own people; the last three only sign (待我签批)
SIGNED_IN_ROLES = (
    "supervision_office",
    "unit",
    "leader",
    "discipline",
    "unit_head",
    "office_deputy",
    "office_director",
)


class NotAllowed(Exception):
    """The token is valid but its holder has no page here (an integrator, an operator)."""


@dataclass
class Identity:
    verifier: Verifier
    session_ttl_s: int
    issuer: LocalIssuer | None = None  # embedded run only
    accounts: dict[str, demo.Account] | None = None
    demo_tenant: str = "demo"

    def session(self, token: str, name: str | None = None) -> Session:
        principal = self.verifier.verify(token)  # raises Unauthorized
        role = next((r for r in SIGNED_IN_ROLES if r in principal.roles), None)
        if role is None:
            raise NotAllowed(f"roles {sorted(principal.roles)}")
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp", 0)
        return Session(
            token=token,
            csrf=new_csrf(),
            tenant=principal.tenant,
            role=role,
            unit=principal.unit,
            name=name or principal.name or principal.subject,
            expires_at=min(float(exp), time.time() + self.session_ttl_s),
        )

    def demo_login(self, username: str, password: str) -> Session | None:
        if self.issuer is None or not self.accounts:
            return None
        account = demo.check(self.accounts, username, password)
        if account is None:
            return None
        token = self.issuer.token(
            tenant=self.demo_tenant,
            roles=[account.role],
            unit=account.unit,
            subject=f"demo:{account.username}",
            name=account.name,
            ttl_s=self.session_ttl_s,
        )
        return self.session(token, account.name)


def embedded(settings, accounts_file: Path | None) -> Identity:
    issuer_dir = settings.issuer_dir()
    issuer = LocalIssuer(issuer_dir, issuer=settings.auth_issuer, audience=settings.auth_audience)
    keys = KeySet(file=Path(settings.auth_jwks_file or issuer_dir / "jwks.json"))
    accounts, tenant = None, "demo"
    if accounts_file is not None:
        import json

        accounts = demo.load(accounts_file)
        tenant = json.loads(accounts_file.read_text(encoding="utf-8")).get("tenant", "demo")
    return Identity(
        Verifier(keys, settings.auth_issuer, settings.auth_audience), settings.session_ttl_s, issuer, accounts, tenant
    )


def production(settings, jwks_url: str) -> Identity:
    return Identity(
        Verifier(KeySet(url=settings.auth_jwks_url or jwks_url), settings.auth_issuer, settings.auth_audience),
        settings.session_ttl_s,
    )


__all__ = ["Identity", "NotAllowed", "Unauthorized", "embedded", "production"]
