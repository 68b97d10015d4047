"""The kinds of message notifications writes, in its own words (not the events that cause them).

A kind names a template (`templates.py`) and is kept on each message; which event causes which
kind is the service's business (`handlers.MESSAGE_KINDS`).
"""
WELCOME = "welcome"  # the registration is confirmed
ACTIVITY_APPROVED = "activity-approved"
ACTIVITY_REJECTED = "activity-rejected"
ACTIVITY_CHANGES_REQUESTED = "activity-changes-requested"
APPROVAL_WITHDRAWN = "approval-withdrawn"
ACTIVITY_REQUIREMENT_MET = "activity-requirement-met"  # time for the report and a ceremony
REPORT_ACCEPTED = "report-accepted"
REPORT_RETURNED = "report-returned"
CEREMONY_BOOKED = "ceremony-booked"
CERTIFICATE_ISSUED = "certificate-issued"
CERTIFICATE_REISSUED = "certificate-reissued"  # an issue that supersedes a version: its own text
CERTIFICATE_REVOKED = "certificate-revoked"
LEFT_THE_CIM = "left-the-cim"  # the student withdrew: what stays, what does not
