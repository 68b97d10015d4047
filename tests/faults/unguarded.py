"""A test-only activities service whose idempotency key is broken on purpose: it claims each
delivery under a key of its own instead of the event's, so a redelivered event applies again.
The fault suite runs it to show that its accounting sees such a break."""

from __future__ import annotations

import uuid

from services.activities.service import ActivitiesService
from shared.dependencies import Database, WorkerDatabase


class UnguardedWorkerDatabase(WorkerDatabase):
    def consume(self, envelope, handler):
        # the break: a fresh consumer key per delivery, so no claim ever meets an earlier one
        consumer = (
            f"{self._provider.container.service_name}.{self._worker_ctx.entrypoint.method_name}#{uuid.uuid4().hex[:8]}"
        )
        with self.unit_of_work() as uow:
            uow.claim(consumer, envelope.event_id, envelope.event_type)
            return handler(uow, envelope.data)


class UnguardedDatabase(Database):
    def get_dependency(self, worker_ctx):
        return UnguardedWorkerDatabase(self, worker_ctx)


class UnguardedActivitiesService(ActivitiesService):
    db = UnguardedDatabase(ActivitiesService.db.repository)
