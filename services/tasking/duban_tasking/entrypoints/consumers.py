from duban_common.contracts.events import DEADLINE_SET, MATTER_REGISTERED

from ..service_layer import handlers

HANDLERS = {
    "matters": {MATTER_REGISTERED: handlers.on_matter_registered},
    "deadlines": {DEADLINE_SET: handlers.on_deadline_set},
}
