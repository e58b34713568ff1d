"""Intake's metrics, defined once."""

from prometheus_client import Counter

SUBMISSIONS = Counter(
    "duban_intake_submissions_total",
    "Submissions by kind, channel and outcome (registered, pending, duplicate, refused, invalid)",
    ["kind", "channel", "outcome"],
)
