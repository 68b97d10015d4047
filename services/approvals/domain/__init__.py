"""Approvals' domain: who may decide, the decisions, and the rules that make a student eligible.

Plain Python, one module per thing it holds:
- `statuses`: the states of the copies and the names of the decisions;
- `students`, `activities`: the copies other services' events keep up to date;
- `coordinators`: the directory (leave, substitutes) and who covers which programme today;
- `decisions`: deciding an activity or a report, and taking an approval back;
- `rules`: the rule sets and the activity requirement; `eligibility`: the whole standing;
- `inbox`, `audit`, `funnel`: the coordinator's day.
"""
