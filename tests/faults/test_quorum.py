"""The kill -9 scenario on quorum queues (CIM_QUEUE_TYPE=quorum on a vhost whose default queue
type is quorum, as production runs): nothing lost, nothing twice."""

import pytest
import requests

from tests.faults import scenario
from tests.faults.test_kill import _kill_and_restart
from tests.service.test_quorum_queues import Management


@pytest.mark.parametrize("service", ["approvals", "notifications"])
def test_kill_9_mid_batch_on_quorum_queues_loses_and_duplicates_nothing(quorum_platform, figures, service):
    vhost = requests.utils.unquote(quorum_platform.amqp_uri.rpartition("/")[2])
    events = {name: kind for name, kind in Management().queue_types(vhost).items() if name.startswith("evt-")}
    assert events and set(events.values()) == {"quorum"}, events
    result = scenario.run(
        quorum_platform, figures, f"kill -9 {service}, quorum queues", _kill_and_restart(quorum_platform, service)
    )
    assert result.holds(), result.summary()
