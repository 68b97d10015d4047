"""The kinds of message notifications writes, in its own words (not the events that cause them).

A kind names a template folder (`services/notifications/templates/<kind>/`) and is kept on each
message; which event causes which kind is the service's business (`handlers.MESSAGE_KINDS`).
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
BOOKING_WAITLISTED = "booking-waitlisted"  # a full ceremony: the student is in line
BOOKING_PROMOTED = "booking-promoted"  # a place freed and went to the student
CEREMONY_CHANGED = "ceremony-changed"  # the booked ceremony's time or place changed
BOOKING_CANCELLED = "booking-cancelled"  # the student cancelled their booking or waiting place
CEREMONY_CANCELLED = "ceremony-cancelled"  # a booking lapsed because its ceremony was cancelled
PRESENTATION_MISSED = "presentation-missed"  # a no-show: the student books again
LEFT_THE_CIM = "left-the-cim"  # the student withdrew: what stays, what does not
# the scheduled messages (the timer writes them, no single event causes them)
COORDINATOR_DIGEST = "coordinator-digest"  # a coordinator's daily list of new items to decide
REVIEW_REMINDER = "review-reminder"  # to a programme's coordinators: items waiting longer than the target
GRADUATION_REMINDER = "graduation-reminder"  # to a student: graduation is near, the requirement not met
