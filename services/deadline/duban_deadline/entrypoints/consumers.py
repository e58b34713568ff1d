"""What the deadline service consumes: task facts (``deadline-tasks``) and extension
requests published by tasking (``deadline-extensions``); see duban_common.provisioning.
The handlers that plan a deadline take ``default_due_time`` from bootstrap."""

from duban_common.contracts import events as ev

from ..service_layer import extensions, handlers

HANDLERS = {
    "tasks": {
        ev.TASK_ASSIGNED: handlers.on_task_assigned,
        ev.TASK_ACKNOWLEDGED: handlers.on_task_acknowledged,
        ev.TASK_DECLINED: handlers.on_task_declined,
        ev.TASK_REASSIGNED: handlers.on_task_reassigned,
        ev.TASK_PROGRESS_REPORTED: handlers.on_task_progress_reported,
        ev.TASK_COMPLETION_SUBMITTED: handlers.on_task_completion_submitted,
        ev.TASK_RETURNED: handlers.on_task_returned,
        ev.TASK_REOPENED: handlers.on_task_reopened,
        ev.TASK_COMPLETED: handlers.on_task_completed,
    },
    "extensions": {ev.EXTENSION_REQUESTED: extensions.on_extension_requested},
}
