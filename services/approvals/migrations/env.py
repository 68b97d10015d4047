"""Alembic environment for the approvals service's database."""

from alembic import context

from services.approvals.orm import metadata
from shared.migrations import run_env

run_env(context, metadata)
