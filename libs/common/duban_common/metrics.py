"""Prometheus metrics, defined once. Labels are subject templates and bounded values only."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES = Counter(
    "duban_messages_total",
    "Messages handled by consumers, by outcome (processed, duplicate, ignored, retried, dead_lettered)",
    ["service", "consumer", "subject", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "duban_handler_seconds", "Time spent in a message handler including its transaction", ["service", "consumer"]
)
OUTBOX_PUBLISHED = Counter(
    "duban_outbox_published_total", "Outbox rows published and acknowledged by JetStream", ["service", "subject"]
)
OUTBOX_PENDING = Gauge("duban_outbox_pending", "Outbox rows not yet acknowledged by JetStream", ["service"])
HTTP_REQUESTS = Counter(
    "duban_http_requests_total", "HTTP requests by route template and status", ["service", "route", "status"]
)
