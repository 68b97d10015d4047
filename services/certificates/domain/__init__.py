"""Certificates' domain: issuing, verifying and revoking a CIM certificate. Plain Python.

Where things are:
- `codes.py`: the verification code (made, and forgiven as typed);
- `certificates.py`: the certificate, its versions and states, issuing and re-issuing;
- `content.py`: what the PDF prints;
- `supplement.py`: the Diploma Supplement's section 6.1 line;
- `verification.py`: what the public verification page shows;
- `reviews.py`: an admin's review after an approval the certificate counted was withdrawn;
- `open_badges.py`: the same achievement as an Open Badges 3.0 credential;
- `status_list.py`: every version's revocation bit, published as a Bitstring Status List.

Who may do what is `shared.permissions`; the checks are made by the use cases (handlers).
"""
