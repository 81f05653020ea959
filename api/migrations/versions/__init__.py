"""Alembic revisions, oldest first by their down-revision chain."""
