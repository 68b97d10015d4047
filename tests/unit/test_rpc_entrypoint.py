"""Every service's `@rpc` is shared.rpc_entrypoint's: nameko's own would let an RPC reply that
meets the broker away kill the container (tests/service/test_rpc_reply_ride_out.py)."""

import inspect

import pytest
from nameko.rpc import Rpc as NamekoRpc

from shared.rpc_entrypoint import Rpc
from shared.topology import SERVICES, service_class


@pytest.mark.parametrize("service", SERVICES)
def test_every_rpc_entrypoint_of_a_service_is_the_riding_one(service):
    entrypoints = [
        (name, entrypoint)
        for name, method in inspect.getmembers(service_class(service), inspect.isfunction)
        for entrypoint in getattr(method, "nameko_entrypoints", ())
        if isinstance(entrypoint, NamekoRpc)
    ]
    assert all(type(entrypoint) is Rpc for _, entrypoint in entrypoints), [
        name for name, entrypoint in entrypoints if type(entrypoint) is not Rpc
    ]
    if service != "gateway":
        assert entrypoints, f"{service} has no RPC entrypoint to check"
