"""Certificates: issuing, verifying and revoking CIM certificates, their PDFs and DS records."""
