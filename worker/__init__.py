"""Celery app and tasks: thin wrappers that load inputs, call a pure function, store outputs."""
