"""Alembic environment for the ceremony service's database."""

from alembic import context

from services.ceremony.orm import metadata
from shared.migrations import run_env

run_env(context, metadata)
