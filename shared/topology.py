"""The broker topology, declared as its own step before services start (like migrations).

Declaring every consumer's queue up front means an event published before its consumer first
started still has a queue to wait in.
"""
from __future__ import annotations

import importlib
import inspect

from kombu import Connection

from shared.campus.amqp import CampusEventConsumer, campus_queue
from shared.messaging import ReliableEventHandler, dead_letter_topology, handler_queue, retry_topology

SERVICES = ("registration", "activities", "approvals", "ceremony", "certificates", "notifications",
            "campus", "gateway")


def service_class(service: str):
    module = importlib.import_module(f"services.{service}.service")
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if getattr(obj, "name", None) == service and obj.__module__ == module.__name__:
            return obj
    raise LookupError(f"services.{service}.service defines no class with name = {service!r}")


def subscriptions(service_cls):
    """(source service, event type, method name) for every `@on_event` of a service class."""
    for name, method in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, ReliableEventHandler):
                yield entrypoint.source_service, entrypoint.event_type, name


def campus_systems(service_cls):
    """The campus systems whose exchange a service consumes (`@campus_events(system)`)."""
    for _, method in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, CampusEventConsumer):
                yield entrypoint.system


def declare(amqp_uri: str, retry_delay_ms: int, services=SERVICES):
    with Connection(amqp_uri, connect_timeout=5) as conn:
        conn.ensure_connection(max_retries=3)
        channel = conn.channel()
        for entity in (*retry_topology(retry_delay_ms), *dead_letter_topology()):
            entity(channel).declare()
        for service in services:
            cls = service_class(service)
            for source, event_type, method in subscriptions(cls):
                handler_queue(source, event_type, service, method)(channel).declare()
            for system in campus_systems(cls):  # campus publishers may not declare: we do
                campus_queue(system, service)(channel).declare()
