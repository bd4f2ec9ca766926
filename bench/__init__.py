"""`make bench`: measurements of the whole system on the machine it runs on (see README.md here)."""
