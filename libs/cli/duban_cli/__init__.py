"""The ``duban`` command."""
