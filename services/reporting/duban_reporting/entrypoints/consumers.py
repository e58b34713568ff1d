"""What reporting consumes: every fact of the tasks' lives, projected into the read models
(``reporting-projections``; see duban_common.provisioning)."""

from ..service_layer.projections import PROJECTIONS

HANDLERS = {"projections": PROJECTIONS}
