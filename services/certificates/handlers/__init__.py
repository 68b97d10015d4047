"""Certificates' use cases, by use; each takes a unit of work (its repository) and typed values.

- `issuing.py`: a certificate version drafted, then (after the caller renders its PDF outside
  any transaction) stored and announced: for an eligibility, a corrected name, an admin's re-issue;
- `revocation.py`: an admin revokes, and reviews a certificate an approval was withdrawn from;
- `queries.py`: what the student, the public, registrars and admins read;
- `common.py`: finding a certificate by its code, and the views the use cases return.

A use case never commits: its unit of work commits when the caller's `with` block ends.
"""
