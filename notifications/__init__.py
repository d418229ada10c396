"""Notifications: the words (templates, `render`) and the ways they travel (`channels`).

The in-app inbox is a database row written by the services; this package renders messages
and delivers the two outside channels, e-mail (SMTP) and group-robot webhooks.
"""
