"""Scheduled flows: plain functions of (unit of work, as-of date) acting as the system.

They are triggered by the embedded scheduler, by Prefect in scaled mode, or by hand with
`ogi flows run …`; whichever triggers them, the database makes a second run harmless.
"""
