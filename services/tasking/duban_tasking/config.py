from duban_common.settings import ServiceSettings


class TaskingSettings(ServiceSettings):
    service: str = "tasking"
    http_port: int = 8102
    # Defaults of DESIGN.md §5; per-tenant settings come with the tenant admin (issue 8)
    acknowledge_limit_workdays: int = 1
    decline_limit_workdays: int = 2
    max_declines: int = 2
    spot_check_rate: float = 0.3
