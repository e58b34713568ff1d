from pathlib import Path

from duban_common.settings import ServiceSettings


class WorkbenchSettings(ServiceSettings):
    """The workbench owns no data: it needs the five services' URLs, the identity provider
    and a key for its session cookies (the same key on every replica)."""

    service: str = "workbench"
    http_port: int = 8100
    intake_url: str = "http://127.0.0.1:8101"
    tasking_url: str = "http://127.0.0.1:8102"
    deadline_url: str = "http://127.0.0.1:8103"
    escalation_url: str = "http://127.0.0.1:8104"
    reporting_url: str = "http://127.0.0.1:8105"
    api_timeout_s: float = 15.0
    # the public address people open (printed by `duban up`; the OIDC redirect is built from it)
    public_url: str | None = None
    # Fernet key (urlsafe base64, 32 bytes) sealing the session cookie; unset: a key file under
    # the embedded issuer's folder, created on first use (embedded run only)
    session_key: str | None = None
    session_ttl_s: int = 8 * 3600
    cookie_secure: bool | None = None  # None: Secure when the request came over HTTPS
    # Embedded run only (the CLI sets it): demo accounts of the demo tenant (a JSON seed file); refused when OIDC is configured
    demo_accounts_file: Path | None = None
    # Production: OpenID Connect authorization code flow with PKCE
    oidc_issuer: str | None = (
        None  # e.g. https://idp.example.gov.cn/realms/yuqing (its /.well-known/openid-configuration)
    )
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scope: str = "openid profile"

    def service_urls(self) -> dict[str, str]:
        return {
            "intake": self.intake_url,
            "tasking": self.tasking_url,
            "deadline": self.deadline_url,
            "escalation": self.escalation_url,
            "reporting": self.reporting_url,
        }

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)
