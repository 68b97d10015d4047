"""Two replicas of the certificates service on one broker and one database, each with its own
warm render pool: every eligible student gets one certificate and one certificate.issued.v1,
however the deliveries (and their duplicates) are shared between the replicas."""

import json
import time

from services.certificates.service import CertificatesService
from shared.events import CERTIFICATE_ISSUED, STUDENT_ELIGIBLE, make_event
from tests.helpers import EventTap, assert_every_stored_certificate_pdf, publish_raw, rows
from tests.service.test_certificates_service import BASE_URL, eligible

STUDENTS = [f"stu-r{n}" for n in range(6)]


def test_two_replicas_issue_each_certificate_once(start_service, service_config, database_url):
    amqp = service_config["AMQP_URI"]
    replicas = [
        start_service(CertificatesService, CIM_PUBLIC_BASE_URL=BASE_URL, CIM_RENDER_POOL_SIZE="1") for _ in range(2)
    ]
    tap = EventTap(amqp, [("certificates", "certificate.#")])
    envelopes = [make_event(STUDENT_ELIGIBLE, eligible(s), producer="approvals") for s in STUDENTS]
    for envelope in envelopes + envelopes:  # every event delivered twice
        publish_raw(amqp, "approvals", STUDENT_ELIGIBLE, json.dumps(envelope).encode(), "application/json")
    issued = tap.wait_for(CERTIFICATE_ISSUED, timeout=180, count=len(STUDENTS))
    time.sleep(2)  # would a duplicate still arrive?
    found = rows(database_url, "SELECT student_id, count(*) FROM certificates GROUP BY student_id")
    assert sorted(found) == [(s, 1) for s in STUDENTS]
    # each stored version got its own revocation bit, from the one sequence both replicas draw on
    indexes = [index for (index,) in rows(database_url, "SELECT status_index FROM certificates")]
    assert len(set(indexes)) == len(STUDENTS) and min(indexes) >= 0
    assert assert_every_stored_certificate_pdf(database_url) == len(STUDENTS)
    assert sorted(e["data"]["student_id"] for e in tap.seen if e["event_type"] == CERTIFICATE_ISSUED) == STUDENTS
    assert len(issued) == len(STUDENTS)
    # both replicas took part (the broker shares deliveries round robin), each within its pool
    pools = [next(e for e in r.extensions if type(e).__name__ == "Renderer").pool for r in replicas]
    assert [(pool.size, pool.peak) for pool in pools] == [(1, 1), (1, 1)]
