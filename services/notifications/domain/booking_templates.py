"""The messages about a student's ceremony booking: in line, promoted, changed, cancelled, a
no-show; in the shape of templates.py (whose TEMPLATES include these)."""

from __future__ import annotations

from services.notifications.domain import kinds
from services.notifications.domain.templates import Template

_WHEN_WHERE = {"en": "Time: {when}\nPlace: {place}", "sv": "Tid: {when}\nPlats: {place}"}

BOOKING_TEMPLATES: dict[str, dict[str, Template]] = {
    kinds.BOOKING_WAITLISTED: {
        "en": Template(
            "You are on the waiting list for {ceremony}",
            (
                "{ceremony} is fully booked, so you are on its waiting list, number {position} in "
                "line. If a place frees, it goes to the first in line and we will write to you.",
                _WHEN_WHERE["en"],
                "You can leave the waiting list until the cancellation deadline.",
            ),
        ),
        "sv": Template(
            "Du står på väntelistan till {ceremony}",
            (
                "{ceremony} är fullbokad, så du står på väntelistan som nummer {position}. Om en "
                "plats blir ledig går den till den som står först i kön, och då skriver vi till dig.",
                _WHEN_WHERE["sv"],
                "Du kan lämna väntelistan fram till sista avbokningsdagen.",
            ),
        ),
    },
    kinds.BOOKING_PROMOTED: {
        "en": Template(
            "A place at {ceremony} is yours",
            (
                "A place at {ceremony} has become free and, as the first on the waiting list, you "
                "have it now. You do not need to do anything more.",
                _WHEN_WHERE["en"],
                "If you can no longer come, please cancel before the deadline.",
            ),
        ),
        "sv": Template(
            "Du har fått en plats vid {ceremony}",
            (
                "En plats vid {ceremony} har blivit ledig och eftersom du stod först på väntelistan "
                "är den nu din. Du behöver inte göra något mer.",
                _WHEN_WHERE["sv"],
                "Om du inte kan komma, avboka före sista avbokningsdagen.",
            ),
        ),
    },
    kinds.CEREMONY_CHANGED: {
        "en": Template(
            "{ceremony} has changed",
            (
                "The time or place of {ceremony}, where you have a place, has changed. Your place is kept. It is now:",
                _WHEN_WHERE["en"],
                "If you can no longer come, please cancel before the deadline.",
            ),
        ),
        "sv": Template(
            "{ceremony} har ändrats",
            (
                "Tiden eller platsen för {ceremony}, där du har en plats, har ändrats. Din plats "
                "finns kvar. Nu gäller:",
                _WHEN_WHERE["sv"],
                "Om du inte kan komma, avboka före sista avbokningsdagen.",
            ),
        ),
    },
    kinds.BOOKING_CANCELLED: {
        "en": Template(
            "Your booking for {ceremony} is cancelled",
            (
                "As you asked, your {held} for {ceremony} is cancelled.",
                "You can book another ceremony whenever you like.",
            ),
        ),
        "sv": Template(
            "Din bokning till {ceremony} är avbokad",
            (
                "Som du bad om är din {held} till {ceremony} avbokad.",
                "Du kan boka en annan ceremoni när du vill.",
            ),
        ),
    },
    kinds.CEREMONY_CANCELLED: {
        "en": Template(
            "{ceremony} is cancelled",
            (
                "{ceremony} ({when}) has been cancelled, so your {held} there has lapsed.",
                "Reason: {reason}",
                "Please book another ceremony.",
            ),
        ),
        "sv": Template(
            "{ceremony} är inställd",
            (
                "{ceremony} ({when}) har ställts in, så din {held} där gäller inte längre.",
                "Motivering: {reason}",
                "Boka gärna en annan ceremoni.",
            ),
        ),
    },
    kinds.PRESENTATION_MISSED: {
        "en": Template(
            "You did not present at the CIM ceremony",
            (
                "Your coordinator has recorded that you did not give your oral presentation at the "
                "ceremony on {date}. Your booking is closed.",
                "To complete the CIM, please book another ceremony.",
            ),
        ),
        "sv": Template(
            "Du höll inte din presentation vid CIM-ceremonin",
            (
                "Din koordinator har noterat att du inte höll din muntliga presentation vid "
                "ceremonin den {date}. Din bokning är avslutad.",
                "Boka en ny ceremoni för att slutföra CIM.",
            ),
        ),
    },
}

# What a student held, in words: a place or a place in line.
HELD = {
    "en": {"booked": "place", "waiting": "place on the waiting list"},
    "sv": {"booked": "plats", "waiting": "plats på väntelistan"},
}
