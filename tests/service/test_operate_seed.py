"""`cim seed` against the real parts: programmes into registration's database (then listed by its
RPC), coordinators through approvals' `put_coordinator` RPC on a real broker."""

from __future__ import annotations

import uuid

import pytest

from cim import operate
from services.approvals.service import ApprovalsService
from services.registration.service import RegistrationService
from shared.messaging import ClusterRpcProxy
from tests.helpers import migrate
from tests.infra import create_database, drop_database
from tests.service.conftest import call

SEED = """
programmes:
  - {code: MGLOB, name_en: "Master's programme in Global Health", name_sv: Masterprogram i global hälsa}
  - {code: MBIOM, name_en: "Master's programme in Biomedicine (renamed)", name_sv: Masterprogram i biomedicin}
coordinators:
  - {subject: c-glob, name: Greta Global, email: greta@example.org, programmes: [MGLOB]}
"""


@pytest.fixture
def registration_database(pg_server):
    name = f"cim_test_{uuid.uuid4().hex[:12]}"
    url = create_database(pg_server, name)
    migrate("registration", url)
    yield url
    drop_database(pg_server, name)


def test_seed_writes_programmes_and_puts_coordinators_through_approvals(
    start_service, container_factory, service_config, registration_database, tmp_path
):
    approvals = start_service(ApprovalsService)
    seed_file = tmp_path / "directory.yaml"
    seed_file.write_text(SEED)
    seed = operate.read_seed(seed_file)

    assert operate.seed_programmes(registration_database, seed["programmes"]) == 2
    assert operate.seed_programmes(registration_database, seed["programmes"]) == 2  # again: no-op
    registration = container_factory(RegistrationService, {**service_config, "DATABASE_URL": registration_database})
    registration.start()
    programmes = {p["code"]: p["name_en"] for p in call(registration, "list_programmes", {"limit": 500})["items"]}
    assert programmes["MGLOB"] == "Master's programme in Global Health"
    assert programmes["MBIOM"] == "Master's programme in Biomedicine (renamed)"
    assert len(programmes) == 5  # the four of the migration, one new

    with ClusterRpcProxy({"AMQP_URI": service_config["AMQP_URI"]}, timeout=30) as cluster:
        done = operate.seed_coordinators(cluster.approvals, operate.operator_actor("ops-1"), seed["coordinators"])
    assert [c["subject"] for c in done] == ["c-glob"]
    directory = {
        c["subject"]: c
        for c in call(approvals, "list_coordinators", operate.operator_actor("ops-1"), {"limit": 500})["items"]
    }
    assert directory["c-glob"]["programmes"] == ["MGLOB"]
    assert directory["c-glob"]["email"] == "greta@example.org"
