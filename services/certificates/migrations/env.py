"""Alembic environment for the certificates service's database."""

from alembic import context

from services.certificates.orm import metadata
from shared.migrations import run_env

run_env(context, metadata)
