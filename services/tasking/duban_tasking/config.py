from duban_common.settings import ServiceSettings


class TaskingSettings(ServiceSettings):
    service: str = "tasking"
    http_port: int = 8102
    # The sign-for and decline limits are the deadline service's, per tenant (deadline.set acknowledge_by, decline_until)
    max_declines: int = 2
    spot_check_rate: float = 0.3  # a tenant's minimum unless it set its own (PUT spot-check-settings)
