"""Ceremony: CIM ceremonies and their bookings, final reports (the files) and presentation records."""
