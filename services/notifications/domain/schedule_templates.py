"""The texts of the scheduled messages (a coordinator's digest, the reminders): a subject and the
paragraphs between greeting and signature, in each language.

Written in the Template format the other messages had before they became Jinja2 files
(docs/decisions/0013-message-templates.md); they are kept in this one module to be converted
the same way (templates/<kind>/<lang>.txt, a path in links.py). Until then the greeting and
signature repeat the layout's (templates/_layout/).

`{items}` is the list of items, one line each (ITEM_LINE); `{more}` a paragraph of its own that
appears only when the list was cut short. These messages link nowhere yet: there is no web page
of the inbox to point at (the API's inbox is GET /v1/coordinator/inbox).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.notifications.domain import kinds


@dataclass(frozen=True)
class Template:
    subject: str
    paragraphs: tuple[str, ...]


GREETING = {"en": "Dear {name},", "sv": "Hej {name}!"}
SIGNATURE = {"en": "Kind regards,\nThe CIM team", "sv": "Med vänliga hälsningar\nCIM-teamet"}

# A coordinator whose name the directory does not hold is greeted without one.
COORDINATOR_GREETING = {"en": "Dear coordinator,", "sv": "Hej!"}

# One line per waiting item: who, which programme, what, since when.
ITEM_LINE = {
    "en": "- {student} ({programme}): {title}, waiting since {since}",
    "sv": "- {student} ({programme}): {title}, väntar sedan {since}",
}
# What a final report is called in a list of items (an activity is listed by its title).
FINAL_REPORT = {"en": "final report", "sv": "slutrapport"}
# The paragraph after a list cut short.
MORE = {"en": "… and {more} more.", "sv": "… och {more} till."}

SCHEDULE_TEMPLATES: dict[str, dict[str, Template]] = {
    kinds.COORDINATOR_DIGEST: {
        "en": Template(
            "New CIM items to decide ({count})",
            (
                "Since your last digest, these items have come in to your programmes and wait for your decision:",
                "{items}",
                "{more}",
                "Your inbox lists everything that waits, oldest first.",
            ),
        ),
        "sv": Template(
            "Nya CIM-ärenden att besluta om ({count})",
            (
                "Sedan din förra sammanställning har de här ärendena kommit in till dina program och "
                "väntar på ditt beslut:",
                "{items}",
                "{more}",
                "I din inkorg finns allt som väntar, äldst först.",
            ),
        ),
    },
    kinds.REVIEW_REMINDER: {
        "en": Template(
            "CIM items have waited too long for a decision ({count})",
            (
                "These items in your programmes have waited longer than the programme's target of "
                "{target} for a decision:",
                "{items}",
                "{more}",
                "Please decide on them as soon as you can. The students see them as waiting until you do.",
            ),
        ),
        "sv": Template(
            "CIM-ärenden har väntat för länge på beslut ({count})",
            (
                "De här ärendena i dina program har väntat på beslut längre än programmets mål på {target}:",
                "{items}",
                "{more}",
                "Besluta om dem så snart du kan. Studenterna ser dem som väntande tills du gör det.",
            ),
        ),
    },
    kinds.GRADUATION_REMINDER: {
        "en": Template(
            "Your graduation is near: your CIM activities are not complete",
            (
                "You expect to graduate in {graduation}, less than three months from now, and your "
                "approved activities do not yet meet the CIM requirement: at least three approved "
                "international activities, at least one in Sweden and at least one abroad.",
                "Your progress page shows what is still missing. Log the activities you have done "
                "soon, so that your coordinator can review them in time.",
            ),
        ),
        "sv": Template(
            "Din examen närmar sig: dina CIM-aktiviteter är inte klara",
            (
                "Du räknar med att ta examen i {graduation}, om mindre än tre månader, och dina "
                "godkända aktiviteter uppfyller ännu inte kravet för CIM: minst tre godkända "
                "internationella aktiviteter, minst en i Sverige och minst en utomlands.",
                "På din översiktssida ser du vad som fortfarande saknas. Logga de aktiviteter du har "
                "gjort snart, så att din koordinator hinner granska dem.",
            ),
        ),
    },
}

# "14 days" / "14 dagar", in a sentence naming the target.
DAYS = {"en": ("{days} day", "{days} days"), "sv": ("{days} dag", "{days} dagar")}
