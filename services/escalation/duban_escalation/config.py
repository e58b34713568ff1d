from duban_common.settings import ServiceSettings


class EscalationSettings(ServiceSettings):
    service: str = "escalation"
    http_port: int = 8104
    # Channels; a channel without its setting is not used.
    sms_gateway_url: str | None = None  # POST {"phone", "text"} (the municipal SMS platform's HTTP API)
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = "duban@localhost"
    notify_mail_to: str | None = None  # comma-separated: the supervision office's mailbox gets every notice
    webhook_url: str | None = None  # e.g. the OA system's endpoint
    # Quiet hours for SMS: only on working days between these hours (Asia/Shanghai)
    sms_from_hour: int = 8
    sms_until_hour: int = 21
    sms_morning_hour: int = 9  # queued SMS go out at this hour of the next working day
    delivery_attempts: int = 5
    timer_poll_s: float = 1.0
