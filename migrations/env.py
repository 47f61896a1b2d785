"""Alembic environment: runs migrations on the engine the application built."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine

import tanggap.intake.tables
import tanggap.staff.tables  # noqa: F401
from tanggap.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine: Engine = config.attributes.get("engine") or make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        context.run_migrations()


run_migrations_online()
