"""Alembic migrations of PolicyBot's database (``api/database.py``); shipped inside the package."""
