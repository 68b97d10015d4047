"""An in-memory activities repository with the same methods as services.activities.orm."""

from __future__ import annotations

from services.activities.domain.activities import Activity
from services.activities.domain.catalogue import ActivityType, seed_activity_types
from tests.unit.fakes import after


class FakeActivitiesRepository:
    def __init__(self, activity_types=None):
        types = seed_activity_types() if activity_types is None else activity_types
        self.types: dict[str, ActivityType] = {t.code: t for t in types}
        self.activities: dict[str, Activity] = {}

    def activity_type(self, code):
        return self.types.get(code)

    def activity_types(self):
        return sorted(self.types.values(), key=lambda t: t.code)

    def activity_types_page(self, position, limit):
        return after(self.types.values(), lambda t: (t.code,), position, limit)

    def activity(self, activity_id):
        return self.activities.get(activity_id)

    def activities_page(self, student_id, position, limit):
        mine = (a for a in self.activities.values() if a.student_id == student_id)
        return after(mine, lambda a: (a.created_at, a.activity_id), position, limit)

    def lock_student(self, student_id):
        pass  # one thread of control here

    def activity_reported_as(self, external_ref):
        return next((a for a in self.activities.values() if a.external_ref == external_ref), None)

    def session_reported_as(self, external_ref):
        return next((s for a in self.activities.values() for s in a.sessions if s.external_ref == external_ref), None)

    def activities_of(self, student_id):
        return sorted(
            (a for a in self.activities.values() if a.student_id == student_id),
            key=lambda a: (a.created_at, a.activity_id),
        )

    def add(self, obj):
        if isinstance(obj, ActivityType):
            self.types[obj.code] = obj
        else:
            self.activities[obj.activity_id] = obj
