"""What the deadline service consumes: task facts (``deadline-tasks``) and extension
requests published by tasking (``deadline-extensions``); see duban_common.provisioning."""

from datetime import time

from duban_common.contracts import events as ev

from ..service_layer import extensions, handlers


def handler_table(default_due_time: time) -> dict:
    return {
        "tasks": {
            ev.TASK_ASSIGNED: handlers.make_on_task_assigned(default_due_time),
            ev.TASK_ACKNOWLEDGED: handlers.on_task_acknowledged,
            ev.TASK_DECLINED: handlers.on_task_declined,
            ev.TASK_REASSIGNED: handlers.make_on_task_reassigned(default_due_time),
            ev.TASK_PROGRESS_REPORTED: handlers.make_on_task_progress_reported(default_due_time),
            ev.TASK_COMPLETION_SUBMITTED: handlers.on_task_completion_submitted,
            ev.TASK_RETURNED: handlers.make_on_task_returned(default_due_time),
            ev.TASK_REOPENED: handlers.make_on_task_reopened(default_due_time),
            ev.TASK_COMPLETED: handlers.on_task_completed,
        },
        "extensions": {ev.EXTENSION_REQUESTED: extensions.make_on_extension_requested(default_due_time)},
    }
