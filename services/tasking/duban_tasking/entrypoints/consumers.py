"""What tasking consumes: registered matters (a task for the lead unit) and the deadlines the
deadline service sets; see duban_common.provisioning for the durable consumers."""

from duban_common.contracts.events import DEADLINE_SET, MATTER_REGISTERED

from ..service_layer import handlers

HANDLERS = {
    "matters": {MATTER_REGISTERED: handlers.on_matter_registered},
    "deadlines": {DEADLINE_SET: handlers.on_deadline_set},
}
