"""Alembic environment for the registration service's database."""

from alembic import context

from services.registration.orm import metadata
from shared.migrations import run_env

run_env(context, metadata)
