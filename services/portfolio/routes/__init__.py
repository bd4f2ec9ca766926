"""The portfolio's JSON API under /api/v1: thin controllers that parse, authorise and call the store."""
