"""Code shared by the CDPS portfolio services: events, settings, logging, database and NATS helpers.

Nothing here imports from ``services`` or ``web``.
"""
