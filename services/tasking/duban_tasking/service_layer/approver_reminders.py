"""Tasking's drafts are reminded like escalation's and reporting's (duban_common.signoff.reminders):
a unit's completion report that waits for its head more than ``signoff_remind_workdays`` working
days sends an SMS to the unit's contact number (the units directory); a reply to a superior that
waits for the government's leaders, to the office's contact (the tenant's issuing settings). Once
per period of waiting, audited. Ticks when the simulated clock moves and every few seconds."""

from __future__ import annotations

from datetime import datetime

from duban_common import notifications, periodic
from duban_common.calendar import WorkCalendar
from duban_common.documents.issuing import office_fallback
from duban_common.signoff.reminders import remind_waiting, reminder_text

from ..adapters import repository


class ApproverReminders:
    def __init__(self, runtime, calendar: WorkCalendar) -> None:
        self.runtime, self.calendar = runtime, calendar
        self.days = runtime.settings.signoff_remind_workdays

    async def tick(self, now: datetime | None = None) -> int:
        moment = (now or self.runtime.clock.now(), self.calendar)
        runtime = self.runtime
        return await remind_waiting(
            runtime.signoff, runtime.db, runtime.unit_of_work, moment, lambda _tenant: self.days, self._send, self._to
        )

    async def _to(self, draft: dict) -> dict | None:
        """Who is reminded: the unit's contact for its own report, else the office's; None without a number."""
        async with self.runtime.db.read() as session:
            directory = await repository.unit_directory(session, draft["tenant"])
        unit = directory.get(draft.get("unit") or "")
        if draft["doc_type"] == "completion_report" and unit is not None:
            return {"unit": unit["code"], "name": unit.get("contact") or unit["name"], "address": unit.get("phone")}
        office = await self.runtime.offices.of(draft["tenant"], office_fallback(directory))
        return {"unit": "supervision_office", "name": office.contact, "address": office.phone}

    async def _send(self, uow, draft: dict, recipient: dict | None) -> None:
        if recipient is None or not recipient["address"]:
            return  # reminded (audited) all the same: nobody to text
        text = reminder_text(draft, self.days)
        ref = {"draft_id": draft["id"], "task_id": draft["task_id"], "title": draft["title"]}
        await notifications.request(
            uow, draft["tenant"], channel="sms", template="approval_reminder", text=text, recipient=recipient, ref=ref
        )

    async def on_clock_change(self, now: datetime) -> None:
        await self.tick(now)

    async def run(self) -> None:
        poll_s = self.runtime.settings.signoff_poll_s
        await periodic.repeat(self.tick, poll_s, "tasking approver reminders failed; will retry")
