"""The states approvals' copies and decisions can be in, by name (stored as these strings)."""

# Student copy
REGISTERED = "registered"
WITHDRAWN = "withdrawn"

# Activity copy and report copy
PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
CHANGES_REQUESTED = "changes_requested"
ACCEPTED = "accepted"
RETURNED = "returned"
# An approval taken back by a coordinator or an admin (with a reason); the activity stops counting.
APPROVAL_WITHDRAWN = "approval_withdrawn"

ACTIVITY_DECISIONS = (APPROVED, REJECTED, CHANGES_REQUESTED)
REPORT_DECISIONS = (ACCEPTED, RETURNED)
# A decision that sends work back to the student must say why: the student sees the reason.
DECISIONS_NEEDING_A_REASON = (REJECTED, CHANGES_REQUESTED, RETURNED, APPROVAL_WITHDRAWN)

# Where an activity took place: each location is exactly one kind.
SWEDEN, ABROAD, DIGITAL = "sweden", "abroad", "digital"
