"""Approvals: the coordinator directory, decisions on activities and reports, and eligibility."""
