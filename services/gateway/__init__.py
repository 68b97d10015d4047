"""The gateway: the HTTP API students, coordinators and campus staff use. It owns no data."""
