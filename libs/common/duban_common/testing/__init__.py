"""Pytest fixtures shared by every service's tests: real brokers and databases."""
