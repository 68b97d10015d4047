"""The part of every data-owning service that answers for personal data (a mixin of its class).

A service sets `personal_holdings` (its `personal_data.HOLDINGS`) and inherits the RPC the
gateway gathers the export with; the list itself is the service's, so each service decides what
it holds and what erasure does to it.
"""
from __future__ import annotations

from nameko.rpc import rpc

from shared import personal_records
from shared.errors import EXPECTED, NotFound
from shared.permissions import STUDENT
from shared.rpc.common import load_actor


class PersonalDataService:
    personal_holdings: list = []

    @rpc(expected_exceptions=EXPECTED)
    def export_personal_data(self, actor):
        """{table: [rows]} this service holds about the calling student, and no one else's."""
        actor = load_actor(actor)
        if actor.role != STUDENT or not actor.student_id:
            raise NotFound("you are not registered for the CIM")  # only one's own data
        with self.db.unit_of_work() as uow:
            return personal_records.export(uow.session, self.personal_holdings, actor.student_id)
