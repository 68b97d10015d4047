"""Alembic environment for the campus service's database."""

from alembic import context

from services.campus.orm import metadata
from shared.migrations import run_env

run_env(context, metadata)
