"""Sign-off chains for a service's own drafts (docs/decisions/0022-sign-off.md).

- :mod:`.model`: the document types, chains and their defaults, whose turn it is (pure).
- :mod:`.tables`: drafts, draft_steps, signoff_chains over a service's metadata.
- :mod:`.service`: the :class:`Desk` that creates drafts and moves them through their chains.
- :mod:`.routes`: the shared HTTP routes (approvals, drafts, steps, chains).
"""

from .model import ACTIONS, DEFAULT_CHAINS, DOC_TYPES, ROLE_NAMES, Chain, SignoffError, Step, Turn, default_chain
from .service import Decision, Desk, DocumentKind
from .tables import SignoffTables

__all__ = [
    "ACTIONS",
    "DEFAULT_CHAINS",
    "DOC_TYPES",
    "ROLE_NAMES",
    "Chain",
    "Decision",
    "Desk",
    "DocumentKind",
    "SignoffError",
    "SignoffTables",
    "Step",
    "Turn",
    "default_chain",
]
