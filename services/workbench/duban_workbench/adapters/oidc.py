"""OpenID Connect, authorization code flow with PKCE (RFC 7636, S256), through authlib.

The flow's state, nonce and code verifier ride in a short-lived sealed cookie (no server
state); the access token the provider returns is what the services check, so its claims
(tenant, roles, unit) are mapped by the provider exactly as decision 0013 expects.
"""

from __future__ import annotations

import json
import time
import warnings

import httpx
from authlib.common.security import generate_token
from cryptography.fernet import Fernet, InvalidToken

with warnings.catch_warnings():  # authlib announces a future httpx2 module on import
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import AsyncOAuth2Client

FLOW_COOKIE = "duban_oidc"
FLOW_TTL_S = 600


class FlowError(Exception):
    pass


class OidcClient:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        scope: str,
        redirect_uri: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id, self.client_secret, self.scope, self.redirect_uri = (
            client_id,
            client_secret,
            scope,
            redirect_uri,
        )
        self.transport = transport
        self._metadata: dict | None = None

    async def metadata(self) -> dict:
        if self._metadata is None:
            async with httpx.AsyncClient(transport=self.transport, timeout=10) as client:
                response = await client.get(f"{self.issuer}/.well-known/openid-configuration")
                response.raise_for_status()
                self._metadata = response.json()
        return self._metadata

    def _client(self) -> AsyncOAuth2Client:
        options = {"transport": self.transport} if self.transport else {}
        return AsyncOAuth2Client(
            self.client_id,
            self.client_secret,
            scope=self.scope,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            **options,
        )

    async def start(self, fernet: Fernet, next_url: str) -> tuple[str, str]:
        """The provider's authorization URL and the sealed flow cookie."""
        meta = await self.metadata()
        verifier, nonce = generate_token(48), generate_token(20)
        async with self._client() as client:
            url, state = client.create_authorization_url(
                meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
            )
        flow = {"state": state, "verifier": verifier, "nonce": nonce, "next": next_url, "at": time.time()}
        return url, fernet.encrypt(json.dumps(flow).encode()).decode()

    async def finish(self, fernet: Fernet, cookie: str | None, state: str, code: str) -> tuple[str, str]:
        """The access token for the returned code, and where the person was going."""
        try:
            flow = json.loads(fernet.decrypt((cookie or "").encode(), ttl=FLOW_TTL_S))
        except (InvalidToken, ValueError):
            raise FlowError("登录流程已失效，请重新登录") from None
        if not state or state != flow["state"]:
            raise FlowError("登录状态校验失败，请重新登录")
        meta = await self.metadata()
        async with self._client() as client:
            token = await client.fetch_token(
                meta["token_endpoint"], code=code, code_verifier=flow["verifier"], grant_type="authorization_code"
            )
        if "access_token" not in token:
            raise FlowError("身份认证服务没有返回访问令牌")
        return token["access_token"], flow["next"]
