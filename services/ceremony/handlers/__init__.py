"""The ceremony's use cases, by use; each takes a unit of work (its repository) and typed values.

- `ceremonies.py`: scheduling, listing, changing and cancelling a ceremony, and its roster;
- `bookings.py`: a student's booking or waiting place, its cancellation, promotion from the
  waiting list, and the outcome the coordinator records (presented or no-show);
- `reports.py`: the final report, and the reactions to approvals' events;
- `common.py`: finding a ceremony, who the student is, and what events and views say of it.

A use case never commits: its unit of work commits when the caller's `with` block ends.
"""

from services.ceremony.handlers.bookings import book, cancel_my_booking, my_booking, record_presentation
from services.ceremony.handlers.ceremonies import cancel, change, list_ceremonies, roster, schedule
from services.ceremony.handlers.common import ceremony_state, ceremony_view
from services.ceremony.handlers.reports import (
    get_report,
    record_approval_withdrawn,
    record_report_accepted,
    record_report_returned,
    record_requirement_met,
    submit_report,
)

__all__ = [
    "book",
    "cancel",
    "cancel_my_booking",
    "ceremony_state",
    "ceremony_view",
    "change",
    "get_report",
    "list_ceremonies",
    "my_booking",
    "record_approval_withdrawn",
    "record_presentation",
    "record_report_accepted",
    "record_report_returned",
    "record_requirement_met",
    "roster",
    "schedule",
    "submit_report",
]
