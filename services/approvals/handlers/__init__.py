"""Approvals' use cases, one module per use: each takes a unit of work (with its repository).

- `consumers`: keeping the copies from other services' events;
- `eligibility`: evaluating a student and announcing each outcome once;
- `decisions`: deciding activities (one or in bulk) and reports, taking an approval back;
- `queries`: what coordinators, admins and students read;
- `coordinators`: the coordinator directory.

A use case never commits: its unit of work commits when the caller's `with` block ends.
"""
