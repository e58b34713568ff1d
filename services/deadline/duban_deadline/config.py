from datetime import time

from duban_common.settings import ServiceSettings


class DeadlineSettings(ServiceSettings):
    service: str = "deadline"
    http_port: int = 8103
    due_time: time = time(
        17, 30
    )  # a task is due at the end of its last working day (Asia/Shanghai); tenants may change it
    timer_poll_s: float = 1.0  # how often due timers are looked for (besides every simulated clock change)
    timer_batch: int = 500  # timers claimed per transaction
