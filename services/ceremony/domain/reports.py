"""The final report: submitting a PDF, following approvals' decision on it, who may read it."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from services.ceremony.domain.requirement import RequirementLapse, RequirementMet, ensure_requirement_met
from shared.errors import Conflict, Invalid
from shared.permissions import Actor, may_act_as_student, may_coordinate

SUBMITTED = "submitted"
ACCEPTED = "accepted"
RETURNED = "returned"
WITHDRAWN = "withdrawn"  # the student left the CIM before a decision; nobody decides it now

PDF_MAGIC = b"%PDF-"


@dataclass(eq=False)
class FinalReport:
    """One submission of the final report; a resubmission is a new FinalReport, the old one stays."""

    report_id: str
    student_id: str
    filename: str
    content: bytes
    size: int
    sha256: str
    status: str
    submitted_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None

    def store_cleaned(self, content: bytes):
        """Keep `content` (the file with its active content removed) in place of the upload."""
        self.content, self.size = content, len(content)
        self.sha256 = hashlib.sha256(content).hexdigest()

    def record_decision(self, *, status: str, decided_by: str, decided_at: datetime, comment: str | None):
        """Approvals decides; this copy follows its word (a replayed decision changes nothing)."""
        if status not in (ACCEPTED, RETURNED):
            raise ValueError(f"not a report decision: {status!r}")
        self.status, self.decided_by, self.decided_at, self.comment = (status, decided_by, decided_at, comment)

    def withdraw(self) -> bool:
        """The student left the CIM: a report still waiting for its decision is withdrawn (one
        decided stays as decided). True when it was waiting."""
        if self.status != SUBMITTED:
            return False
        self.status = WITHDRAWN
        return True


def _plain_filename(filename: str) -> str:
    """The last path component only: a client's directory names are none of our business."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise Invalid({"filename": ["a file name is required"]})
    return name


def submit_report(
    *,
    student_id: str,
    requirement: RequirementMet | None,
    latest: FinalReport | None,
    filename: str,
    content: bytes,
    max_bytes: int,
    now: datetime,
    lapse: RequirementLapse | None = None,
) -> FinalReport:
    """The rules of the final report: requirement met (and not lapsed since), a PDF within the
    size limit, and a new submission only once the previous one was returned."""
    ensure_requirement_met(requirement, lapse)
    if latest is not None and latest.status == SUBMITTED:
        raise Conflict("your report is waiting for your coordinator's decision")
    if latest is not None and latest.status == ACCEPTED:
        raise Conflict("your report has already been accepted")
    if len(content) > max_bytes:
        raise Invalid({"content": [f"the report is larger than {max_bytes} bytes"]})
    if not content.startswith(PDF_MAGIC):
        raise Invalid({"content": ["the report must be a PDF file"]})
    return FinalReport(
        report_id=str(uuid.uuid4()),
        student_id=student_id,
        filename=_plain_filename(filename),
        content=content,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        status=SUBMITTED,
        submitted_at=now,
    )


def may_see_report(actor: Actor, *, student_id: str, requirement: RequirementMet | None) -> bool:
    """The student themself, a coordinator of the student's programme, or an admin.

    The programme is the one approvals named when the requirement was met: before that there
    is no report to see.
    """
    programme = requirement.programme_code if requirement is not None else None
    return may_act_as_student(actor, student_id) or may_coordinate(actor, programme)
