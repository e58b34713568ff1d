from duban_common.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service: str = "intake"
    http_port: int = 8101
    max_upload_bytes: int = 10_000_000  # the work report's .xlsx (the upload route)
    max_batch_events: int = 100  # events in one batched-mode request (each answered on its own)
    # Fernet key for citizens' personal data at rest. Production sets it from a secret;
    # the embedded run keeps a generated key in <data_dir>/intake-pii.key.
    pii_key: str | None = None
