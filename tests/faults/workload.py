"""The fault suite's batch of work: whole CIM journeys through the gateway, driven by a client
that rides out a service being down (it retries, and never applies a write twice itself).

A retried write is the client's problem, not the platform's: when an attempt's outcome is
unknown (the connection broke, or a 5xx came back), the next attempt first asks whether the
first one took effect, so every duplicate the accounting finds is the platform's own.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import requests

from cim import journey
from services.gateway.auth import issue_dev_token
from tests.builders import GRADUATION

RIDE_OUT_S = 240  # how long one call keeps retrying while a service is down or restarting
TRANSIENT = (429, 500, 502, 503, 504)


class Unavailable(journey.JourneyError):
    pass


class RidingClient(journey.Client):
    """journey.Client, retrying what a fault breaks; `done` answers whether an ambiguous write
    took effect (its result, or None), and a 409 after an ambiguous attempt means it did."""

    def write(self, method: str, path: str, expect: int, done=None, wait_ready=False, **kwargs):
        """`wait_ready`: a 409 that is not an "already ..." means the service has not caught up
        with an event yet (the requirement met, say): ask again."""
        ambiguous = False
        deadline = time.monotonic() + RIDE_OUT_S
        while time.monotonic() < deadline:
            if ambiguous and done is not None and (found := self._quietly(done)) is not None:
                return found
            try:
                response = self.session.request(method, self.base_url + path, timeout=30, **kwargs)
            except requests.RequestException:
                ambiguous = True
                time.sleep(0.5)
                continue
            if response.status_code == expect:
                return response.json() if response.content else {}
            if response.status_code == 409:
                # an earlier attempt took effect after all (its answer was lost to the fault)
                if done is not None and (found := self._quietly(done)) is not None:
                    return found
                if ambiguous and "already" in response.text:
                    return {}
                if wait_ready and "already" not in response.text:
                    time.sleep(0.5)
                    continue
            if response.status_code not in TRANSIENT:
                raise journey.JourneyError(f"{method} {path}: {response.status_code}: {response.text[:300]}")
            ambiguous = True
            time.sleep(0.5)
        raise Unavailable(f"{method} {path}: still failing after {RIDE_OUT_S}s")

    def read(self, path: str, accept=lambda body: True, expect: int = 200, raw: bool = False):
        """GET until it answers `expect` and `accept(body)`: events take a moment, faults longer."""
        deadline = time.monotonic() + RIDE_OUT_S
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.session.request("GET", self.base_url + path, timeout=30)
                if last.status_code == expect:
                    body = last.content if raw else last.json()
                    if accept(body):
                        return body
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.3)
        raise Unavailable(
            f"GET {path}: no accepted {expect} within {RIDE_OUT_S}s; last "
            f"{getattr(last, 'status_code', None)} {getattr(last, 'text', '')[:200]}"
        )

    def _quietly(self, done):
        try:
            return done()
        except (requests.RequestException, ValueError, KeyError):
            return None


def _answer(client: RidingClient, path: str, accept):
    """For `done`: the body of GET path when accept(body), else None (one try)."""
    response = client.session.get(client.base_url + path, timeout=30)
    if response.status_code != 200:
        return None
    body = response.json()
    return body if accept(body) else None


class Batch:
    """N journeys of one ceremony; `run` drives them `workers` at a time."""

    def __init__(self, gateway_url: str, secret: str, size: int, workers: int = 4):
        self.url, self.secret, self.size, self.workers = gateway_url, secret, size, workers
        self.tag = uuid.uuid4().hex[:6]
        self.coordinator = RidingClient(gateway_url, issue_dev_token(secret, journey.COORDINATOR, "coordinator"))
        self.students: list[dict] = []  # what each journey ended with
        self.failures: list[str] = []
        self.ceremony_id = None

    def run(self, on_progress=None):
        starts = (datetime.now(timezone.utc) + timedelta(days=30)).replace(microsecond=0)
        self.ceremony_id = self.coordinator.write(
            "POST",
            "/v1/ceremonies",
            201,
            json={
                "title": f"Fault batch {self.tag}",
                "starts_at": starts.isoformat(),
                "location": "BMC, Lund",
                "capacity": self.size + 10,
                "language": "en",
            },
        )["id"]
        with ThreadPoolExecutor(self.workers) as pool:
            for number, outcome in enumerate(pool.map(self._one, range(self.size)), 1):
                if isinstance(outcome, dict):
                    self.students.append(outcome)
                else:
                    self.failures.append(outcome)
                if on_progress:
                    on_progress(number)
        return self

    def _one(self, number: int):
        try:
            return self.journey(number)
        except journey.JourneyError as exc:
            return f"journey {number}: {exc}"

    def journey(self, number: int) -> dict:
        sub = f"s-f{self.tag}-{number}"
        email = f"{sub}@student.example.org"
        student = RidingClient(
            self.url, issue_dev_token(self.secret, sub, "student", name=f"Fault Student {number}", email=email)
        )
        coordinator = self.coordinator
        me = student.write(
            "POST",
            "/v1/registrations",
            201,
            done=lambda: _answer(student, "/v1/me", lambda b: b.get("student_id")),
            json={"programme": "MBIOM", "expected_graduation": GRADUATION, "language": "en"},
        )
        student_id = me["student_id"]
        activity_ids = []
        for activity in journey.ACTIVITIES:
            made = student.write(
                "POST",
                "/v1/me/activities",
                201,
                done=lambda a=activity: next(
                    (
                        x
                        for x in student.session.get(student.base_url + "/v1/me/activities", timeout=30).json()
                        if x["title"] == a["title"]
                    ),
                    None,
                ),
                json=activity,
            )
            activity_ids.append(made["id"])
        for activity_id in activity_ids:
            seen = coordinator.read(f"/v1/activities/{activity_id}")
            coordinator.write(
                "POST",
                f"/v1/activities/{activity_id}/decision",
                200,
                wait_ready=True,
                done=lambda a=activity_id: _answer(
                    coordinator, f"/v1/activities/{a}", lambda b: b["status"] == "approved"
                ),
                json={"decision": "approved", "comment": "Well documented.", "version": seen["version"]},
            )
        student.read("/v1/me/progress", accept=lambda b: b["activity_requirement_met"])
        report = journey.minimal_pdf(f"Final report of {sub}")
        student.write(
            "POST",
            "/v1/me/report?filename=final-report.pdf",
            201,
            done=lambda: _answer(student, "/v1/me/report", lambda b: b),
            wait_ready=True,
            data=report,
            headers={"Content-Type": "application/pdf"},
        )
        # approvals decides on the report once report.submitted reached it: until then a 409
        coordinator.write(
            "POST",
            f"/v1/students/{student_id}/report/decision",
            200,
            wait_ready=True,
            done=lambda: _answer(student, "/v1/me/report", lambda b: b["status"] == "accepted"),
            json={"decision": "accepted", "comment": "A thoughtful report."},
        )
        student.read("/v1/me/report", accept=lambda b: b["status"] == "accepted")
        student.write("POST", f"/v1/ceremonies/{self.ceremony_id}/bookings", 201, wait_ready=True)
        coordinator.write(
            "POST", f"/v1/ceremonies/{self.ceremony_id}/presentations", 201, json={"student_id": student_id}
        )
        certificate = student.read("/v1/me/certificate")
        return {
            "student_id": student_id,
            "sub": sub,
            "email": email,
            "activity_ids": activity_ids,
            "certificate": certificate["code"],
        }
