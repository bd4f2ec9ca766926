"""The composition root: the `cdps` command, the development runner (`cdps run`), the development
mail sink, the embedded PostgreSQL and NATS servers, and the one table of the five services.

It sits above `services/`, `web/` and `shared/`, which never import it: a production service
needs none of this package except `cdps serve`, and nothing here is imported by a service.
"""
