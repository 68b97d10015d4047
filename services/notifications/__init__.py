"""Notifications: the messages students receive, in their language, and the log of their delivery."""
