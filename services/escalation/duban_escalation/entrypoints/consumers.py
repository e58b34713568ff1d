"""What escalation consumes: matters, task facts, deadlines, extension decisions, unit facts (what it
learns, and the triggers among them), and the notifications it publishes itself, delivered
here (``escalation-notifications``); see duban_common.provisioning. Handlers that address
people take ``contexts`` and ``calendar``, the notification queue ``settings``, from bootstrap."""

from duban_common.contracts import events as ev

from ..service_layer import delivery, handlers, notify

HANDLERS = {
    "matters": {ev.MATTER_REGISTERED: handlers.on_matter_registered},
    "tasks": {
        ev.TASK_ASSIGNED: handlers.on_task_assigned,
        ev.TASK_REASSIGNED: handlers.on_task_reassigned,
        ev.TASK_RETURNED: handlers.on_returned,
        ev.TASK_COMPLETION_SUBMITTED: handlers.on_completion_submitted,
        ev.TASK_COMPLETED: handlers.on_completed,
    },
    "deadlines": {
        ev.DEADLINE_SET: handlers.on_deadline_set,
        ev.DEADLINE_OVERDUE: handlers.on_overdue,
        ev.DEADLINE_REMINDER: handlers.on_reminder,
    },
    "extensions": {ev.EXTENSION_DECIDED: handlers.on_extension_decided},
    "notifications": {ev.NOTIFICATION_REQUESTED: delivery.on_notification},
    "units": notify.DIRECTORY.handlers(),  # escalation's copy of tasking's units directory
}
