"""The deadline service's metrics, defined once (STYLE.md 11). Labels are bounded: timer kinds only."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

TIMERS_PENDING = Gauge("duban_deadline_timers_pending", "Timers waiting to fire, by kind", ["kind"])
TIMERS_FIRED = Counter("duban_deadline_timers_fired_total", "Timers fired (one event each), by kind", ["kind"])
TIMER_LATENESS = Histogram(
    "duban_deadline_timer_lateness_seconds",
    "Service clock at firing minus the timer's due instant (with the simulated clock: the size of the jump)",
    ["kind"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86400, 604800),
)
PROVISIONAL_DEADLINES = Gauge(
    "duban_deadline_provisional_deadlines", "Open deadlines that reach a year without an official schedule"
)
