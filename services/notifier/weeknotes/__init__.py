"""Weeknotes: composed from the week's events, reviewed by staff, published automatically."""
