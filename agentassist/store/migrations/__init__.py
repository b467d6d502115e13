"""Alembic migrations, run by ``Store.migrate()`` at every start."""
