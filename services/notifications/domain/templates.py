"""What notifications write: each kind of message, its subject and paragraphs, in each language."""

from __future__ import annotations

from dataclasses import dataclass

from services.notifications.domain import kinds


@dataclass(frozen=True)
class Template:
    """A subject and the paragraphs between greeting and signature.

    A paragraph naming `{reason}` appears only when the event carries a reason (a comment).
    """

    subject: str
    paragraphs: tuple[str, ...]


GREETING = {"en": "Dear {name},", "sv": "Hej {name}!"}
SIGNATURE = {"en": "Kind regards,\nThe CIM team", "sv": "Med vänliga hälsningar\nCIM-teamet"}

TEMPLATES: dict[str, dict[str, Template]] = {
    kinds.WELCOME: {
        "en": Template(
            "Your CIM registration is confirmed",
            (
                "You are now registered for the Certificate of International Merits (CIM) in {programme}.",
                "Log your international activities as you do them; your coordinator will review each one.",
            ),
        ),
        "sv": Template(
            "Din registrering till CIM är bekräftad",
            (
                "Du är nu registrerad för Certificate of International Merits (CIM) inom {programme}.",
                "Logga dina internationella aktiviteter när du gör dem; din koordinator granskar var och en.",
            ),
        ),
    },
    kinds.ACTIVITY_APPROVED: {
        "en": Template(
            "Your CIM activity was approved",
            (
                "Your coordinator has approved one of your CIM activities.",
                "Comment: {reason}",
            ),
        ),
        "sv": Template(
            "Din CIM-aktivitet har godkänts",
            (
                "Din koordinator har godkänt en av dina CIM-aktiviteter.",
                "Kommentar: {reason}",
            ),
        ),
    },
    kinds.ACTIVITY_REJECTED: {
        "en": Template(
            "Your CIM activity was not approved",
            (
                "Your coordinator has rejected one of your CIM activities; it does not count towards the certificate.",
                "Reason: {reason}",
            ),
        ),
        "sv": Template(
            "Din CIM-aktivitet har inte godkänts",
            (
                "Din koordinator har avslagit en av dina CIM-aktiviteter; den räknas inte till certifikatet.",
                "Motivering: {reason}",
            ),
        ),
    },
    kinds.ACTIVITY_CHANGES_REQUESTED: {
        "en": Template(
            "Changes are needed to your CIM activity",
            (
                "Your coordinator asks you to change one of your CIM activities and submit it again.",
                "Reason: {reason}",
            ),
        ),
        "sv": Template(
            "Din CIM-aktivitet behöver ändras",
            (
                "Din koordinator ber dig ändra en av dina CIM-aktiviteter och skicka in den igen.",
                "Motivering: {reason}",
            ),
        ),
    },
    kinds.APPROVAL_WITHDRAWN: {
        "en": Template(
            "The approval of your CIM activity was withdrawn",
            (
                "Your coordinator has withdrawn the approval of one of your CIM activities; it no "
                "longer counts towards the certificate. You may correct it and submit it again.",
                "Reason: {reason}",
                "Your progress page shows what is still missing.",
            ),
        ),
        "sv": Template(
            "Godkännandet av din CIM-aktivitet har återkallats",
            (
                "Din koordinator har återkallat godkännandet av en av dina CIM-aktiviteter; den "
                "räknas inte längre till certifikatet. Du kan rätta den och skicka in den igen.",
                "Motivering: {reason}",
                "På din översiktssida ser du vad som fortfarande saknas.",
            ),
        ),
    },
    kinds.ACTIVITY_REQUIREMENT_MET: {
        "en": Template(
            "Time to write your CIM final report and book a ceremony",
            (
                "Congratulations: your approved activities meet the CIM requirement.",
                "The next steps are to write your final report and to book a place at a CIM "
                "ceremony, where you present your experience.",
            ),
        ),
        "sv": Template(
            "Dags att skriva din CIM-slutrapport och boka en ceremoni",
            (
                "Grattis: dina godkända aktiviteter uppfyller kravet för CIM.",
                "Nästa steg är att skriva din slutrapport och boka en plats vid en CIM-ceremoni, "
                "där du presenterar dina erfarenheter.",
            ),
        ),
    },
    kinds.REPORT_ACCEPTED: {
        "en": Template(
            "Your CIM final report was accepted",
            (
                "Your coordinator has accepted your final report.",
                "Comment: {reason}",
            ),
        ),
        "sv": Template(
            "Din CIM-slutrapport har godkänts",
            (
                "Din koordinator har godkänt din slutrapport.",
                "Kommentar: {reason}",
            ),
        ),
    },
    kinds.REPORT_RETURNED: {
        "en": Template(
            "Your CIM final report was returned",
            (
                "Your coordinator has returned your final report. Please revise it and submit it again.",
                "Reason: {reason}",
            ),
        ),
        "sv": Template(
            "Din CIM-slutrapport har skickats tillbaka",
            (
                "Din koordinator har skickat tillbaka din slutrapport. Arbeta om den och skicka in den igen.",
                "Motivering: {reason}",
            ),
        ),
    },
    kinds.CEREMONY_BOOKED: {
        "en": Template(
            "Your place at {ceremony} is booked",
            (
                "You have booked a place at {ceremony}.",
                "Time: {when}\nPlace: {place}",
            ),
        ),
        "sv": Template(
            "Din plats vid {ceremony} är bokad",
            (
                "Du har bokat en plats vid {ceremony}.",
                "Tid: {when}\nPlats: {place}",
            ),
        ),
    },
    kinds.CERTIFICATE_ISSUED: {
        "en": Template(
            "Your CIM certificate has been issued",
            (
                "Your Certificate of International Merits has been issued (code {code}).",
                "Anyone can verify it at:\n{verify_url}",
            ),
        ),
        "sv": Template(
            "Ditt CIM-certifikat har utfärdats",
            (
                "Ditt Certificate of International Merits har utfärdats (kod {code}).",
                "Vem som helst kan kontrollera det på:\n{verify_url}",
            ),
        ),
    },
    # a certificate issued as a re-issue (it names the version it supersedes)
    kinds.CERTIFICATE_REISSUED: {
        "en": Template(
            "A new version of your CIM certificate has been issued",
            (
                "A new version of your Certificate of International Merits has been issued "
                "(code {code}); it replaces the certificate with code {supersedes}, which now "
                "verifies as superseded.",
                "Reason: {reason}",
                "Anyone can verify the new version at:\n{verify_url}",
            ),
        ),
        "sv": Template(
            "En ny version av ditt CIM-certifikat har utfärdats",
            (
                "En ny version av ditt Certificate of International Merits har utfärdats "
                "(kod {code}); den ersätter certifikatet med kod {supersedes}, som nu visas som "
                "ersatt.",
                "Motivering: {reason}",
                "Vem som helst kan kontrollera den nya versionen på:\n{verify_url}",
            ),
        ),
    },
    kinds.CERTIFICATE_REVOKED: {
        "en": Template(
            "Your CIM certificate has been revoked",
            (
                "Your Certificate of International Merits (code {code}) has been revoked. It stays "
                "on record, and anyone who verifies it is told that it was revoked, and why.",
                "Reason: {reason}",
                "If you have questions, please contact your programme's international coordinator.",
            ),
        ),
        "sv": Template(
            "Ditt CIM-certifikat har återkallats",
            (
                "Ditt Certificate of International Merits (kod {code}) har återkallats. Det finns "
                "kvar i registret, och den som kontrollerar det får veta att det har återkallats "
                "och varför.",
                "Motivering: {reason}",
                "Om du har frågor, kontakta ditt programs internationella koordinator.",
            ),
        ),
    },
    kinds.LEFT_THE_CIM: {
        "en": Template(
            "You have left the CIM",
            (
                "You have withdrawn from the Certificate of International Merits (CIM). Activities "
                "and a report that were still waiting for a decision are withdrawn, and a booked "
                "ceremony place is released.",
                "A certificate already issued stays valid. You can download everything the CIM holds "
                "about you from your page at any time.",
            ),
        ),
        "sv": Template(
            "Du har lämnat CIM",
            (
                "Du har lämnat Certificate of International Merits (CIM). Aktiviteter och en rapport "
                "som ännu inte var beslutade har dragits tillbaka, och en bokad plats vid en "
                "ceremoni har släppts.",
                "Ett certifikat som redan utfärdats gäller fortfarande. Du kan när som helst ladda "
                "ner allt CIM har om dig från din sida.",
            ),
        ),
    },
}
