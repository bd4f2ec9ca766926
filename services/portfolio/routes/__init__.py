"""The portfolio's JSON API under /api/v1: thin handlers. The caller, the connection and If-Match
come from the providers and guards of ``shared/requests.py``; every change is a call to a command
(``commands.py``); reads go straight to the store."""
