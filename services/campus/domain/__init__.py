"""The campus edge's rules: what an inbound event becomes, and when. Plain Python.

`inbound.py` holds the inbound event's log entry and its states; `translations.py` what each
campus type becomes in the owning service's own words; `people.py` who is registered.
"""
