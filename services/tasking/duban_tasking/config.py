from duban_common.settings import ServiceSettings


class TaskingSettings(ServiceSettings):
    service: str = "tasking"
    http_port: int = 8102
    # The sign-for and decline limits are the deadline service's, per tenant (deadline.set acknowledge_by, decline_until)
    max_declines: int = 2
    spot_check_rate: float = 0.3  # a tenant's minimum unless it set its own (PUT spot-check-settings)
    # a draft (a completion report at the unit's head, a reply to a superior at the leaders) waiting
    # longer than this many working days reminds whoever must sign it, once per such period
    signoff_remind_workdays: int = 2
    signoff_poll_s: float = 30.0
