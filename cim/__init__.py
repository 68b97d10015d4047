"""`cim`: the command that sets up, runs, demonstrates and operates the platform locally."""
