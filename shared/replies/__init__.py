"""The reply shapes of the services' JSON APIs, shared with their clients (one module per service)."""
