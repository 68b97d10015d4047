"""Alembic environment for the notifications service's database."""

from alembic import context

from services.notifications.orm import metadata
from shared.migrations import run_env

run_env(context, metadata)
