"""Domain events: facts in the past tense, one fact each (STYLE.md 5).

``type`` names are ``duban.<aggregate>.<event>.v1``; the subject is
``duban.ev.<tenant>.<aggregate>.<event>``, except for the outbound types of
``OUTBOUND_TOPICS`` (:func:`subject_of`; the AsyncAPI document is generated from both).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import subjects


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow")  # consumers tolerate fields added later


class MatterOrigin(_Event):
    """What the deadline policy and the ledger need to know about where a matter came from."""

    kind: str
    source: str
    submission_id: str
    external_id: str
    meeting_type: str | None = None
    meeting_title: str | None = None
    meeting_held_on: date | None = None
    minutes_no: str | None = None
    decision_seq: int | None = None
    leader_name: str | None = None
    leader_role: str | None = None
    handling: str | None = None
    led_by_leader: str | None = None
    origin_on: date | None = None  # meeting held, instruction given, message received, congress closed, ...
    handled_by_office: bool | None = None  # the supervision office handles it itself (督查室督办件)
    source_no: str | None = Field(
        None, description="the number the source platform gave the item: 工单号, 提案号, 来文文号"
    )


class CitizenRef(_Event):
    """A citizen behind an online message, as it may travel: masked, plus a reference
    intake can resolve for those allowed to see the contact."""

    name_masked: str | None = None
    phone_masked: str | None = None
    contact_ref: str = Field(description="what intake resolves into the citizen's contact, for those allowed to see it")


class MatterRegistered(_Event):
    matter_id: str
    title: str
    content: str
    origin: MatterOrigin = Field(
        description="where the matter came from: the source platform and its number, and the meeting, instruction, "
        "proposal or message it records"
    )
    lead_unit: str | None = None
    co_units: list[str] = Field(default_factory=list)
    requested_due_on: date | None = None
    registered_at: datetime
    citizen: CitizenRef | None = None
    registered_by: str | None = None  # "auto" (triage rules) or the office's decision note


class SubmissionRejected(_Event):
    """The supervision office refused to register a submission (不予立项)."""

    submission_id: str
    kind: str
    source: str
    external_id: str
    title: str
    reason: str
    rejected_at: datetime


class TaskAssigned(_Event):
    task_id: str
    matter_id: str
    title: str
    lead_unit: str
    co_units: list[str] = Field(default_factory=list)
    origin: MatterOrigin
    requested_due_on: date | None = None
    assigned_at: datetime
    notice_no: str | None = None  # 督办〔2026〕17号
    responsible_person: str | None = None
    requirement: str | None = None
    weight: float = 1.0  # share of the matter when it is split into several tasks
    version: int = 1  # the task's version after this change; every task.* event carries it


# --- task facts tasking publishes after the assignment (deadline consumes them) ---


class TaskAcknowledged(_Event):
    """The lead unit signed for the task (签收)."""

    task_id: str
    matter_id: str
    unit: str
    acknowledged_at: datetime
    version: int | None = None


class TaskDeclined(_Event):
    """The lead unit sent the task back as not its business (退回), with its reason."""

    task_id: str
    matter_id: str
    unit: str
    reason: str
    declined_at: datetime
    declines: int | None = None  # how many times this task has been declined, this one included
    version: int | None = None


class TaskReassigned(_Event):
    """The supervision office gave the same task to another lead unit; the deadline stays."""

    task_id: str
    matter_id: str
    previous_unit: str | None = None
    lead_unit: str
    co_units: list[str] = Field(default_factory=list)
    reason: str | None = None
    reassigned_at: datetime
    notice_no: str | None = None
    version: int | None = None


class AttachmentRef(_Event):
    """A file attached to a report, as events carry it: where to fetch it (the owning service's
    ``GET tasks/<task>/attachments/<id>``) and what it is; never the bytes."""

    id: str
    name: str  # the original file name, e.g. 整改报告（盖章）.pdf
    size: int  # bytes
    content_type: str
    sha256: str  # hex digest of the bytes


class TaskProgressReported(_Event):
    task_id: str
    matter_id: str
    unit: str
    summary: str | None = None
    reported_at: datetime
    progress: int | None = None  # percent, 0–100
    version: int | None = None
    attachments: list[str] = Field(default_factory=list)  # ids of the files, as in task.completion_submitted
    attachment_refs: list[AttachmentRef] = Field(default_factory=list)


class TaskCompletionSubmitted(_Event):
    """The unit reported the task done (办结报告); the deadline is met when this is on time."""

    task_id: str
    matter_id: str
    unit: str
    submitted_at: datetime
    summary: str | None = None
    attachments: list[str] = Field(default_factory=list)  # ids of the files; what they are: attachment_refs
    version: int | None = None
    attachment_refs: list[AttachmentRef] = Field(default_factory=list)


class TaskReturned(_Event):
    """The supervision office rejected the completion report, or judged a feedback report
    unsatisfactory (退回重办): the task is open again; the returned report meets no deadline."""

    task_id: str
    matter_id: str
    unit: str | None = None
    reason: str
    returned_at: datetime
    version: int | None = None
    report: Literal["progress", "completion"] | None = Field(
        None, description="which report was returned (absent: the completion)"
    )


class TaskCompleted(_Event):
    """The supervision office accepted the completion: the task is closed out (销号)."""

    task_id: str
    matter_id: str
    completed_at: datetime = Field(description="when the office accepted the completion report (销号)")
    unit: str | None = None
    version: int | None = None


class TaskReopened(_Event):
    """A completed task was opened again: a spot-check callback found the citizen not satisfied."""

    task_id: str
    matter_id: str
    unit: str
    reason: str = Field(description="why the citizen was not satisfied at the callback (回访不满意的原因)")
    reopened_at: datetime
    spot_check_id: str | None = None
    version: int | None = None


class TaskSpotChecked(_Event):
    """A spot-check callback (回访抽查) of a completed task was recorded, satisfied or not.
    A not-satisfied result is followed by ``task.reopened``."""

    task_id: str
    matter_id: str
    unit: str
    spot_check_id: str
    satisfied: bool
    note: str | None = None
    checked_at: datetime


class MatterProgressed(_Event):
    """The matter's rolled-up progress (weighted over its tasks) or its completion changed."""

    matter_id: str
    progress: int
    tasks: int
    tasks_completed: int
    completed: bool
    at: datetime


# --- deadline facts ---


class DeadlineSet(_Event):
    """A task's deadline was set, or moved (extension approved, calendar changed, schedule loaded)."""

    task_id: str
    matter_id: str
    start_on: date
    due_on: date
    due_at: datetime
    rule: str
    provisional: bool = False
    note: str | None = None
    previous_due_on: date | None = None  # None when the deadline is set for the first time
    # assigned | extension_approved | calendar_changed | schedule_loaded | calendar_updated | reopened | feedback_received
    # | feedback_returned | reassigned
    reason: str | None = None
    revision: int | None = None  # 1 when first set, +1 on every move: consumers keep the highest
    extension_id: str | None = None
    lead_unit: str | None = None
    counted_from: Literal["origin", "assignment", "receipt"] | None = Field(
        None,
        description="when the rule's period starts: the meeting or instruction itself, the assignment, or the receipt",
    )
    satisfied_by: Literal["feedback", "completion"] | None = Field(
        None,
        description="what meets the deadline: a feedback report on where the work stands, or the completion report",
    )
    rule_label: str | None = Field(None, description="the rule as the documents word it, e.g. 会后1个月, 交办后1周")
    # the deadline service owns these per tenant; tasking, escalation and reporting use them as received
    acknowledge_by: datetime | None = Field(None, description="the lead unit must sign for the task (签收) by then")
    decline_until: datetime | None = Field(None, description="the lead unit may send the task back (退回) until then")
    yellow_from: datetime | None = Field(None, description="the status light turns yellow from then (red from due_at)")


class _TimerFact(_Event):
    task_id: str
    matter_id: str
    lead_unit: str | None = None
    timer_id: str  # one event per timer, ever
    scheduled_at: datetime  # the instant the timer was due


class DeadlineReminder(_TimerFact):
    """提前催办: the deadline is ``workdays_left`` working days away (sent 09:00 on a working day)."""

    due_on: date
    due_at: datetime
    workdays_left: int


class ProgressDue(_TimerFact):
    """A monthly progress report (进展反馈) of a task running longer than a month fell due."""

    seq: int  # 1 for the first month
    report_due_on: date
    due_on: date  # the task's deadline
    last_reported_at: datetime | None = None


class DeadlineOverdue(_TimerFact):
    """The task's deadline passed without a completion report."""

    due_on: date
    due_at: datetime


class AcknowledgementOverdue(_TimerFact):
    """The sign-for limit (签收时限) passed and the lead unit has not signed for the task."""

    assigned_at: datetime
    limit_at: datetime


class DeclineWindowClosed(_TimerFact):
    """The period in which the lead unit could send the task back (退回时限) ended."""

    assigned_at: datetime
    closed_at: datetime


class NoticeLate(_Event):
    """The supervision office issued the assignment notice later than its own limit after the
    meeting, instruction or congress (交办超时). At most one per task, at assignment."""

    task_id: str
    matter_id: str
    kind: str
    limit_rule: str = Field(description="the rule that set the notice's limit, e.g. meeting_executive (3 working days)")
    origin_on: date
    limit_on: date = Field(description="the last day the assignment notice should have gone out on")
    issued_on: date
    late_workdays: int
    note: str
    issued_by: str | None = Field(
        None, description="who issued late: supervision_office, or special_body (a special body's office)"
    )


# --- extension facts ---


class ExtensionRequested(_Event):
    """延期申请, asked before the deadline with reasons (over deadline's HTTP API, or by tasking)."""

    extension_id: str
    task_id: str
    matter_id: str | None = None
    unit: str | None = None
    reason: str
    requested_due_on: date = Field(description="the day the unit asks the deadline to move to")
    current_due_on: date | None = None
    requested_at: datetime
    requested_by: str | None = None


class ExtensionDecided(_Event):
    """The supervision office approved or denied an extension request. An approval moves the
    deadline: a ``deadline.set`` with reason ``extension_approved`` follows."""

    extension_id: str
    task_id: str
    matter_id: str
    decision: Literal["approved", "denied"]
    reason: str | None = None
    requested_due_on: date = Field(description="the day the unit asked the deadline to move to")
    previous_due_on: date
    new_due_on: date | None = None
    decided_at: datetime
    decided_by: str | None = None


# --- escalation facts ---


# What an urge's ``reason`` says, in the words of the urge notices (催办单) and of the pages
URGE_REASONS = {
    "overdue": "逾期未反馈",
    "overdue_again": "逾期仍未反馈",
    "returned": "办理质量不高被退回重办",
    "manual": "督查室催办",
    "explanation_missing": "未按期提交书面说明",
    "rectification_unmet": "领导提出的整改要求仍未落实",
}


class EscalationUrged(_Event):
    """催办: a task was urged; ``urge_no`` counts the urges of this task."""

    urge_id: str
    task_id: str
    matter_id: str
    unit: str
    urge_no: int
    notice_no: str  # 催办〔2026〕3号
    reason: str  # one of URGE_REASONS
    urged_at: datetime
    note: str | None = None  # a manual urge: the reason as the office wrote it
    urged_by: str | None = None  # a manual urge: who urged (name, and unit for a unit handler)


class EscalationStepTaken(_Event):
    """A rung of the tenant's ladder was reached for a task (each rung at most once per task)."""

    task_id: str
    matter_id: str
    unit: str
    step: int
    urges: int
    actions: list[str]
    taken_at: datetime


class EscalationBulletined(_Event):
    """通报: the unit was named in a bulletin by the supervision office or the government office."""

    task_id: str
    matter_id: str
    unit: str
    step: int
    issued_by: str  # supervision_office | government_office | special_report (督查专报) | public (公开通报批评)
    text: str
    bulletined_at: datetime


class EscalationExplanationRequired(_Event):
    """The unit head must explain in writing, with rectification measures, before ``due_at``."""

    task_id: str
    matter_id: str
    unit: str
    step: int
    due_at: datetime
    required_at: datetime


class EscalationExplanationSubmitted(_Event):
    task_id: str
    matter_id: str
    unit: str
    step: int
    on_time: bool
    submitted_at: datetime
    attachments: list[str] = Field(
        default_factory=list
    )  # ids of the files (escalation's GET tasks/<task>/attachments/<id>)
    attachment_refs: list[AttachmentRef] = Field(default_factory=list)


class EscalationDeducted(_Event):
    """扣分: assessment points taken from a unit (the tenant's assessment ledger)."""

    deduction_id: str
    task_id: str
    matter_id: str
    unit: str
    points: float
    reason: str
    deducted_at: datetime


class EscalationTransferred(_Event):
    """移交纪委监委: the case was transferred; the dossier went out on duban.out.<tenant>.discipline.transfer."""

    case_id: str
    task_id: str
    matter_id: str
    unit: str
    transferred_at: datetime


class NotificationSent(_Event):
    """A notification reached (or finally failed to reach) its channel."""

    notification_id: str
    channel: str
    recipient_masked: str
    template: str
    ref: dict = Field(default_factory=dict)
    status: str  # sent | failed
    attempts: int
    sent_at: datetime


class SupervisionOrderIssued(_Event):
    """督办单: a signed order to act, after its approval chain (proposed, approved, signed)."""

    order_id: str
    task_id: str
    matter_id: str
    unit: str
    notice_no: str
    requirement: str
    proposed_by: str
    approved_by: str
    signed_by: str
    issued_at: datetime


# --- outbound (CONTRACT.md "Outbound"): on duban.out.<tenant>.<topic> ---


class NotificationRequested(_Event):
    """A reminder, urge, bulletin or order that must reach a person; published on
    duban.out.<tenant>.notification.<channel> and delivered by a sender."""

    notification_id: str
    channel: str  # sms | mail | webhook
    recipient: dict  # {unit, name, address}: address is the phone, mail address or URL
    template: str
    text: str
    ref: dict  # {matter_id, task_id, title}
    created_at: datetime


class ReportPublished(_Event):
    """A quarterly bulletin (政务督查通报), a special report (督查专报), a monthly supervision
    summary (督查工作月报) or an annual assessment (督查督办考核通报) was published; on
    duban.out.<tenant>.report.published."""

    report_id: str
    kind: Literal["quarterly_bulletin", "special_report", "monthly_summary", "annual_assessment"]
    report_no: str  # e.g. 督查通报〔2026〕3号
    title: str
    period: dict  # {"label": "2026年第四季度", "from": "2026-10-01", "to": "2026-12-31"}
    document: dict  # {"docx": url, "pdf": url, "sha256": {...}}
    published_at: datetime
    published_by: str | None = None


class ReplyAttachmentRef(AttachmentRef):
    """A file of the reply: tasking's ``GET tasks/<task_id>/attachments/<id>``."""

    task_id: str


class MatterReplied(_Event):
    """办理结果回传: a matter that came from another platform (12345 hotline, message board,
    proposals system, superior office, OA) was closed; the reply goes back to the source on
    duban.out.<tenant>.reply. For deputies' suggestions and CPPCC proposals it is the reply to the
    proposer, for online messages the answer the citizen sees; a superior assignment's reply is
    published only after its sign-off chain. One per matter."""

    reply_id: str
    matter_id: str
    kind: str  # the submission kind: online_message, deputy_suggestion, cppcc_proposal, superior_assignment, document
    source: str  # the platform, as its submission's CloudEvents source named it
    external_id: str  # the item's id on that platform (its submission's envelope id)
    source_no: str | None = None  # the platform's own number: 工单号, 提案号, 来文文号
    submission_id: str
    title: str
    text: str  # the reply: the lead unit's accepted completion report (each lead unit's, when split)
    attachment_refs: list[ReplyAttachmentRef] = Field(default_factory=list)
    signed_by: str  # who signed the reply off: the office's reviewer, or the last approver of its chain
    signed_at: datetime
    closed_at: datetime  # when the matter's last task was accepted


class DisciplineTransfer(_Event):
    """The dossier of a case transferred to the discipline/supervision body (移交纪委监委)."""

    case_id: str
    matter: dict
    tasks: list[dict]
    units: list[dict]
    deadlines: list[dict]
    extensions: list[dict]
    urges: list[dict]
    bulletins: list[dict]
    explanations: list[dict]
    timeline: list[dict]
    transferred_at: datetime
    # the office's assessment of the unit's written explanation (adequate false: 不充分, reason, assessed_by, assessed_at)
    assessment: dict | None = None
    approvals: list[dict] = Field(
        default_factory=list
    )  # the transfer's sign-off steps (action, role, person, at), the leader's approval last


class PublicCensure(_Event):
    """A unit publicly censured (公开通报批评) by the tenant's ladder, for the media or publicity
    platform; on duban.out.<tenant>.publicity.censure. No personal data: the unit and the matter."""

    censure_id: str
    task_id: str
    matter_id: str
    unit: str
    unit_name: str | None = None
    title: str
    text: str
    step: int
    censured_at: datetime


class UnitFact(_Event):
    """An entry of the tenant's units directory as tasking, which owns the directory, holds it after
    the change: the whole entry, so that a consumer's copy is right from any one fact, and its
    version (1 at registration, one more at each change), so that a consumer keeps the newest."""

    code: str
    name: str
    type: str  # office, supervision_office, department, township, agency, copy_recipient, discipline_body
    head: str | None = None  # the unit's principal (主要负责人)
    contact: str | None = None  # the liaison (联络员) notices go to
    phone: str | None = None  # the liaison's phone, for SMS notices
    active: bool
    version: int
    changed_at: datetime


class UnitRegistered(UnitFact):
    """A unit entered the directory (a units import, or the first publication of a unit that existed before)."""


class UnitUpdated(UnitFact):
    """A unit's entry changed: its name, type, principal or liaison, or it was active again."""


class UnitDeactivated(UnitFact):
    """The unit takes no new tasks; its history and open tasks stay as they are."""


EVENT_TYPES: dict[str, type[BaseModel]] = {
    "duban.escalation.urged.v1": EscalationUrged,
    "duban.escalation.step_taken.v1": EscalationStepTaken,
    "duban.escalation.bulletined.v1": EscalationBulletined,
    "duban.escalation.explanation_required.v1": EscalationExplanationRequired,
    "duban.escalation.explanation_submitted.v1": EscalationExplanationSubmitted,
    "duban.escalation.deducted.v1": EscalationDeducted,
    "duban.escalation.transferred.v1": EscalationTransferred,
    "duban.escalation.order_issued.v1": SupervisionOrderIssued,
    "duban.notification.sent.v1": NotificationSent,
    "duban.notification.requested.v1": NotificationRequested,
    "duban.discipline.transfer.v1": DisciplineTransfer,
    "duban.publicity.censure.v1": PublicCensure,
    "duban.matter.replied.v1": MatterReplied,
    "duban.submission.rejected.v1": SubmissionRejected,
    "duban.matter.registered.v1": MatterRegistered,
    "duban.task.assigned.v1": TaskAssigned,
    "duban.deadline.set.v1": DeadlineSet,
    "duban.task.acknowledged.v1": TaskAcknowledged,
    "duban.task.declined.v1": TaskDeclined,
    "duban.task.reassigned.v1": TaskReassigned,
    "duban.task.progress_reported.v1": TaskProgressReported,
    "duban.task.completion_submitted.v1": TaskCompletionSubmitted,
    "duban.task.returned.v1": TaskReturned,
    "duban.task.completed.v1": TaskCompleted,
    "duban.task.reopened.v1": TaskReopened,
    "duban.task.spot_checked.v1": TaskSpotChecked,
    "duban.report.published.v1": ReportPublished,
    "duban.matter.progressed.v1": MatterProgressed,
    "duban.deadline.reminder.v1": DeadlineReminder,
    "duban.deadline.progress_due.v1": ProgressDue,
    "duban.deadline.overdue.v1": DeadlineOverdue,
    "duban.deadline.acknowledgement_overdue.v1": AcknowledgementOverdue,
    "duban.deadline.decline_window_closed.v1": DeclineWindowClosed,
    "duban.deadline.notice_late.v1": NoticeLate,
    "duban.extension.requested.v1": ExtensionRequested,
    "duban.extension.decided.v1": ExtensionDecided,
    "duban.unit.registered.v1": UnitRegistered,
    "duban.unit.updated.v1": UnitUpdated,
    "duban.unit.deactivated.v1": UnitDeactivated,
}

MATTER_REGISTERED = "duban.matter.registered.v1"
SUBMISSION_REJECTED = "duban.submission.rejected.v1"
TASK_ASSIGNED = "duban.task.assigned.v1"
DEADLINE_SET = "duban.deadline.set.v1"
TASK_ACKNOWLEDGED = "duban.task.acknowledged.v1"
TASK_DECLINED = "duban.task.declined.v1"
TASK_REASSIGNED = "duban.task.reassigned.v1"
TASK_PROGRESS_REPORTED = "duban.task.progress_reported.v1"
TASK_COMPLETION_SUBMITTED = "duban.task.completion_submitted.v1"
TASK_RETURNED = "duban.task.returned.v1"
TASK_COMPLETED = "duban.task.completed.v1"
TASK_REOPENED = "duban.task.reopened.v1"
TASK_SPOT_CHECKED = "duban.task.spot_checked.v1"
REPORT_PUBLISHED = "duban.report.published.v1"
MATTER_PROGRESSED = "duban.matter.progressed.v1"
DEADLINE_REMINDER = "duban.deadline.reminder.v1"
DEADLINE_PROGRESS_DUE = "duban.deadline.progress_due.v1"
DEADLINE_OVERDUE = "duban.deadline.overdue.v1"
DEADLINE_ACKNOWLEDGEMENT_OVERDUE = "duban.deadline.acknowledgement_overdue.v1"
DEADLINE_DECLINE_WINDOW_CLOSED = "duban.deadline.decline_window_closed.v1"
DEADLINE_NOTICE_LATE = "duban.deadline.notice_late.v1"
EXTENSION_REQUESTED = "duban.extension.requested.v1"
EXTENSION_DECIDED = "duban.extension.decided.v1"
ESCALATION_URGED = "duban.escalation.urged.v1"
ESCALATION_STEP_TAKEN = "duban.escalation.step_taken.v1"
ESCALATION_BULLETINED = "duban.escalation.bulletined.v1"
ESCALATION_EXPLANATION_REQUIRED = "duban.escalation.explanation_required.v1"
ESCALATION_EXPLANATION_SUBMITTED = "duban.escalation.explanation_submitted.v1"
ESCALATION_DEDUCTED = "duban.escalation.deducted.v1"
ESCALATION_TRANSFERRED = "duban.escalation.transferred.v1"
NOTIFICATION_SENT = "duban.notification.sent.v1"
NOTIFICATION_REQUESTED = "duban.notification.requested.v1"
DISCIPLINE_TRANSFER = "duban.discipline.transfer.v1"
ESCALATION_ORDER_ISSUED = "duban.escalation.order_issued.v1"
PUBLIC_CENSURE = "duban.publicity.censure.v1"
MATTER_REPLIED = "duban.matter.replied.v1"
UNIT_REGISTERED = "duban.unit.registered.v1"
UNIT_UPDATED = "duban.unit.updated.v1"
UNIT_DEACTIVATED = "duban.unit.deactivated.v1"


# --- where each event goes ----------------------------------------------------------------

NOTIFICATION_CHANNELS = ("sms", "mail", "webhook")

# Outbound types (CONTRACT.md "Outbound") go to duban.out.<tenant>.<topic> instead of duban.ev:
# a topic's {field} is that field of the event's data, one of TOPIC_FIELDS[field].
OUTBOUND_TOPICS: dict[str, str] = {
    DISCIPLINE_TRANSFER: "discipline.transfer",
    NOTIFICATION_REQUESTED: "notification.{channel}",
    REPORT_PUBLISHED: "report.published",
    PUBLIC_CENSURE: "publicity.censure",
    MATTER_REPLIED: "reply",
}
TOPIC_FIELDS: dict[str, tuple[str, ...]] = {"channel": NOTIFICATION_CHANNELS}


def subject_of(tenant: str, event_type: str, data: dict) -> str:
    """The subject an event of ``event_type`` with ``data`` is published on."""
    topic = OUTBOUND_TOPICS.get(event_type)
    if topic is None:
        return subjects.event_subject_for_type(tenant, event_type)
    values = {name: data.get(name) for name in TOPIC_FIELDS if f"{{{name}}}" in topic}
    for name, value in values.items():
        if value not in TOPIC_FIELDS[name]:
            raise subjects.SubjectError(f"{event_type}: {name} {value!r} is not one of {TOPIC_FIELDS[name]}")
    return subjects.outbound(tenant, topic.format(**values))
