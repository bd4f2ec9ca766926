"""What each event says to a subscriber, in Welsh and English. Pure: no I/O."""

from __future__ import annotations

from typing import Literal

from shared.events import EventData, ProjectCreated

Language = Literal["cy", "en", "both"]


def message_for(event: EventData, language: Language) -> tuple[str, str] | None:
    """(subject, body) for the event in the subscriber's language, or None if it is not news."""
    if not isinstance(event, ProjectCreated) or event.project.visibility != "public":
        return None  # subscribers of the portfolio are the public: they hear of public records only
    title_cy, title_en = event.project.title_cy, event.project.title_en
    cy = (f"Prosiect newydd: {title_cy}", f"Mae CDPS wedi dechrau prosiect newydd: {title_cy}.")
    en = (f"New project: {title_en}", f"CDPS has started a new project: {title_en}.")
    if language == "cy":
        return cy
    if language == "en":
        return en
    return f"{cy[0]} / {en[0]}", f"{cy[1]}\n\n---\n\n{en[1]}"  # Welsh placed to be read first
