"""An in-memory certificates repository with the same methods as services.certificates.orm."""

from __future__ import annotations

from services.certificates.domain.certificates import VALID, Certificate, CertificateDocument
from services.certificates.domain.degrees import Degree
from services.certificates.domain.reviews import CertificateReview
from services.certificates.domain.supplement import DiplomaSupplementEntry
from tests.unit.fakes import after


class FakeCertificatesRepository:
    def __init__(self):
        self.certificates: dict[str, Certificate] = {}
        self.documents: dict[str, CertificateDocument] = {}
        self.supplements: list[DiplomaSupplementEntry] = []
        self.reviews: list[CertificateReview] = []
        self.degrees: dict[str, Degree] = {}

    def degree(self, degree_ref):
        return self.degrees.get(degree_ref)

    def degrees_of(self, student_id):
        return [d for d in self.degrees.values() if d.student_id == student_id]

    def by_code(self, code, lock=False):
        return next((c for c in self.certificates.values() if c.code == code), None)

    def _of(self, student_id):
        return sorted((c for c in self.certificates.values() if c.student_id == student_id), key=lambda c: c.version)

    def valid_for(self, student_id):
        return next((c for c in self._of(student_id) if c.state == VALID), None)

    def latest_for(self, student_id):
        versions = self._of(student_id)
        return versions[-1] if versions else None

    def latest_version(self, student_id):
        return max((c.version for c in self._of(student_id)), default=0)

    def document(self, certificate_id):
        return self.documents.get(certificate_id)

    def supplement_for(self, student_id):
        entries = [e for e in self.supplements if e.student_id == student_id]
        return max(entries, key=lambda e: e.recorded_at) if entries else None

    def valid_in_ceremony(self, ceremony_id):
        valid = [c for c in self.certificates.values() if c.ceremony_id == ceremony_id and c.state == VALID]
        return [(c, self.documents[c.certificate_id]) for c in sorted(valid, key=lambda c: (c.holder_name, c.code))]

    def ceremony_known(self, ceremony_id):
        return any(c.ceremony_id == ceremony_id for c in self.certificates.values())

    def pending_reviews_page(self, position, limit):
        pending = (r for r in self.reviews if r.pending)
        rows = after(pending, lambda r: (r.requested_at, r.review_id), position, limit)
        return [(r, self.certificates.get(r.certificate_id)) for r in rows]

    def pending_reviews(self, certificate_id=None):
        return sorted(
            (r for r in self.reviews if r.pending and certificate_id in (None, r.certificate_id)),
            key=lambda r: r.requested_at,
        )

    def next_status_index(self):
        highest = self.highest_status_index()
        return 0 if highest is None else highest + 1

    def highest_status_index(self):
        return max((c.status_index for c in self.certificates.values() if c.status_index is not None), default=None)

    def status_set(self, first, last):
        return [
            c.status_index
            for c in self.certificates.values()
            if c.status_index is not None and first <= c.status_index <= last and c.state != VALID
        ]

    def add(self, obj):
        if isinstance(obj, Certificate):
            self.certificates[obj.certificate_id] = obj
        elif isinstance(obj, CertificateDocument):
            self.documents[obj.certificate_id] = obj
        elif isinstance(obj, DiplomaSupplementEntry):
            self.supplements.append(obj)
        elif isinstance(obj, CertificateReview):
            self.reviews.append(obj)
        elif isinstance(obj, Degree):
            self.degrees[obj.degree_ref] = obj
        else:
            raise TypeError(f"the certificates repository keeps no {type(obj).__name__}")
