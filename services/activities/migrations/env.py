"""Alembic environment for the activities service's database."""

from alembic import context

from services.activities.orm import metadata
from shared.migrations import run_env

run_env(context, metadata)
