"""Late assignment notices (交办超时) in the quarterly bulletin, per issuer."""

from duban_reporting.domain.bulletin import _overall


def test_the_bulletin_names_the_late_notices_per_issuer():
    """Issue: 「Late issuing of a notice … Show it in the statistics, the bulletin and the dashboard, per unit
    that issued late (the office or a special body's office)」."""
    t = {
        "assigned": 3,
        "completed": 1,
        "completed_on_time": 1,
        "on_time_rate": 100.0,
        "overdue": 0,
        "avg_handling_workdays": None,
        "urges": 0,
        "bulletins": 0,
        "supervision_orders": 0,
        "transfers": 0,
        "returns": 0,
        "extensions": 0,
        "deductions": 0,
    }
    late = [
        {"issued_by": "special_body", "issued_by_label": "专门机构办公室", "count": 1},
        {"issued_by": "supervision_office", "issued_by_label": "督查室", "count": 2},
    ]
    blocks = _overall(t, [], "2026年第四季度", late)
    assert "期内交办通知超过规定时限下发3件（专门机构办公室1件、督查室2件）。" in blocks
    assert not any("交办通知" in str(b) for b in _overall(t, [], "2026年第四季度", []))
