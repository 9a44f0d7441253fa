"""The Dutch and English wording of the public pages, and how a page's language is chosen.

Kept as two plain dictionaries with the same keys (a test checks they match) until the staff web
app brings Babel catalogues. Placeholders are ``str.format`` fields; the templates escape the
result, so a value put into a sentence can never become markup.
"""

from __future__ import annotations

from datetime import datetime

from kluis.purposes.rules import parse_duration

LANGUAGES = ("nl", "en")
DEFAULT = "nl"

STRINGS: dict[str, dict[str, str]] = {
    "nl": {
        "footer_note": "Deze pagina plaatst geen cookies en gebruikt geen scripts.",
        "language_name_nl": "Nederlands",
        "language_name_en": "English",
        "language_switch": "Taal",
        # Unsubscribe
        "unsubscribe_title": "Afmelden",
        "unsubscribe_intro": (
            "Na het afmelden ontvang je van {organisation} geen berichten meer over {topic} "
            "via {channel}."
        ),
        "unsubscribe_nothing_yet": "Er verandert pas iets als je op de knop drukt.",
        "unsubscribe_button": "Afmelden",
        "unsubscribed_title": "Je bent afgemeld",
        "unsubscribed_body": (
            "We hebben vastgelegd dat je geen berichten meer wilt over {topic} via {channel}."
        ),
        "preferences_link": "Je andere voorkeuren bekijken of wijzigen",
        # Preferences
        "preferences_title": "Je voorkeuren",
        "preferences_intro": (
            "Kies waarover en via welk kanaal {organisation} je berichten mag sturen. Een vinkje "
            "betekent dat je daarvoor toestemming geeft; haal je het weg, dan trek je die in."
        ),
        "column_topic": "Onderwerp",
        "column_consent": "Toestemming",
        "column_state": "Huidige stand",
        "state_granted": "Toestemming gegeven op {date}",
        "state_withdrawn": "Ingetrokken op {date}",
        "state_expired": "Verlopen: niet op tijd bevestigd",
        "state_none": "Nooit gegeven",
        "state_soft_opt_in": "Je ontvangt dit als klant, zonder aparte toestemming",
        "opt_out_label": "Stop deze berichten",
        "notice_heading": "Waarmee je instemt als je een vakje aanvinkt",
        "no_notice": (
            "Nieuwe toestemming geven kan hier op dit moment niet; toestemming intrekken kan wel."
        ),
        "save_button": "Opslaan",
        "saved": "Je keuzes zijn opgeslagen.",
        "saved_nothing": "Er is niets veranderd.",
        "saved_granted": "Toestemming gegeven voor: {items}.",
        "saved_withdrawn": "Ingetrokken voor: {items}.",
        "gpc_notice": (
            "Je browser stuurt een Global Privacy Control-signaal (Sec-GPC). Als je opslaat, "
            "leggen we dat vast als bezwaar tegen alle direct marketing."
        ),
        "gpc_recorded": (
            "We hebben het Global Privacy Control-signaal van je browser vastgelegd als bezwaar "
            "tegen alle direct marketing."
        ),
        "object_heading": "Helemaal geen marketing meer",
        "object_body": (
            "Met deze knop maak je bezwaar tegen alle direct marketing: je krijgt van ons geen "
            "reclame meer, via geen enkel kanaal en over geen enkel onderwerp. Berichten over je "
            "bestellingen of je account blijven komen."
        ),
        "object_button": "Stop alle marketing",
        "objected_state": (
            "Je hebt bezwaar gemaakt tegen direct marketing: we sturen je geen reclame, wat "
            "hieronder ook staat. Wil je dat bezwaar opheffen, neem dan contact met ons op."
        ),
        "objection_recorded": (
            "Je bezwaar tegen alle direct marketing is vastgelegd. Je krijgt van ons geen "
            "reclame meer."
        ),
        # Sign-up
        "signup_title": "Aanmelden",
        "signup_intro": (
            "Meld je aan voor berichten van {organisation}. Je kiest zelf waarover; niets staat "
            "vooraf aangevinkt."
        ),
        "signup_closed": "Aanmelden is op dit moment niet mogelijk. Probeer het later opnieuw.",
        "field_email": "E-mailadres",
        "field_given_name": "Voornaam (niet verplicht)",
        "field_family_name": "Achternaam (niet verplicht)",
        "field_language": "Taal van de berichten",
        "topics_legend": "Waarover wil je e-mail ontvangen?",
        "retention_heading": "Hoe lang we je gegevens bewaren",
        "retention_collection": "{period} nadat we ze hebben gekregen.",
        "retention_last_interaction": "{period} na ons laatste contact met je.",
        "retention_end_of_contract": "{period} na het einde van je overeenkomst met ons.",
        "retention_withdrawal": (
            "Zolang je toestemming geldt, en daarna nog {period} nadat je die intrekt."
        ),
        "signup_mail_note": (
            "Je krijgt een e-mail met een link om je aanmelding te bevestigen. Zonder bevestiging "
            "sturen we niets en wissen we je aanmelding na {hours} uur."
        ),
        "signup_button": "Aanmelden",
        "error_summary": "Controleer de gemarkeerde velden.",
        "error_email_missing": "Vul je e-mailadres in.",
        "error_email_invalid": "Dit is geen geldig e-mailadres.",
        "error_name_invalid": "Deze naam is te lang of bevat tekens die niet zijn toegestaan.",
        "error_language_invalid": "Kies Nederlands of Engels.",
        "error_topics_missing": "Kies minstens één onderwerp.",
        "error_notice_changed": (
            "De tekst waarmee je instemt is intussen gewijzigd. Lees hem opnieuw en verstuur het "
            "formulier nog eens."
        ),
        "check_mail_title": "Kijk in je mailbox",
        "check_mail_body": (
            "Als het adres klopt, krijg je binnen enkele minuten een e-mail met een "
            "bevestigingslink. Pas als je die opent en bevestigt, ben je aangemeld. De link is "
            "{hours} uur geldig."
        ),
        "send_failed_title": "E-mail niet verstuurd",
        "send_failed_body": (
            "We konden de bevestigingsmail nu niet versturen. Probeer het later opnieuw."
        ),
        # Confirmation
        "confirm_title": "Aanmelding bevestigen",
        "confirm_body": "Bevestig dat je van {organisation} e-mail wilt ontvangen over:",
        "confirm_button": "Bevestigen",
        "confirmed_title": "Aanmelding bevestigd",
        "confirmed_body": (
            "Dank je. Je ontvangt voortaan e-mail over de onderwerpen die je koos. Afmelden kan "
            "altijd, via de link onderaan elk bericht."
        ),
        # Errors
        "link_error_title": "Deze link werkt niet",
        "token_tampered": (
            "Deze link is niet geldig: hij is veranderd of afgebroken. Open hem opnieuw vanuit "
            "de e-mail."
        ),
        "token_expired": (
            "Deze link is verlopen. Gebruik de link in een recenter bericht, of meld je opnieuw "
            "aan."
        ),
        "token_used": (
            "Deze link is al gebruikt of verlopen: een aanmelding kan maar één keer worden "
            "bevestigd. Heb je al bevestigd, dan hoef je niets meer te doen."
        ),
        "token_gone": (
            "Er is hier niets meer te doen: dit adres staat niet meer bij ons geregistreerd."
        ),
        "unexpected_title": "Er ging iets mis",
        "unexpected_body": (
            "Dit verzoek kon niet worden afgerond. De fout is vastgelegd voor de beheerder; "
            "probeer het later opnieuw."
        ),
    },
    "en": {
        "footer_note": "This page sets no cookies and runs no scripts.",
        "language_name_nl": "Nederlands",
        "language_name_en": "English",
        "language_switch": "Language",
        # Unsubscribe
        "unsubscribe_title": "Unsubscribe",
        "unsubscribe_intro": (
            "Once you unsubscribe, {organisation} will no longer send you messages about {topic} "
            "by {channel}."
        ),
        "unsubscribe_nothing_yet": "Nothing changes until you press the button.",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed_title": "You are unsubscribed",
        "unsubscribed_body": (
            "We have recorded that you no longer want messages about {topic} by {channel}."
        ),
        "preferences_link": "See or change your other preferences",
        # Preferences
        "preferences_title": "Your preferences",
        "preferences_intro": (
            "Choose what {organisation} may send you, and by which channel. A tick means you give "
            "your consent for it; remove the tick to withdraw it."
        ),
        "column_topic": "Topic",
        "column_consent": "Consent",
        "column_state": "Current state",
        "state_granted": "Consent given on {date}",
        "state_withdrawn": "Withdrawn on {date}",
        "state_expired": "Expired: not re-confirmed in time",
        "state_none": "Never given",
        "state_soft_opt_in": "You receive this as a customer, without separate consent",
        "opt_out_label": "Stop these messages",
        "notice_heading": "What you agree to when you tick a box",
        "no_notice": (
            "Giving new consent is not possible here at the moment; you can still withdraw it."
        ),
        "save_button": "Save",
        "saved": "Your choices are saved.",
        "saved_nothing": "Nothing changed.",
        "saved_granted": "Consent given for: {items}.",
        "saved_withdrawn": "Withdrawn for: {items}.",
        "gpc_notice": (
            "Your browser sends a Global Privacy Control signal (Sec-GPC). When you save, we "
            "record it as an objection to all direct marketing."
        ),
        "gpc_recorded": (
            "We recorded your browser's Global Privacy Control signal as an objection to all "
            "direct marketing."
        ),
        "object_heading": "No marketing at all",
        "object_body": (
            "This button objects to all direct marketing: we will send you no more advertising, "
            "on any channel and about any topic. Messages about your orders or your account "
            "still come."
        ),
        "object_button": "Stop all marketing",
        "objected_state": (
            "You objected to direct marketing: we send you no advertising, whatever is ticked "
            "below. To lift the objection, contact us."
        ),
        "objection_recorded": (
            "Your objection to all direct marketing is recorded. You will receive no more "
            "advertising from us."
        ),
        # Sign-up
        "signup_title": "Sign up",
        "signup_intro": (
            "Sign up for messages from {organisation}. You choose what about; nothing is ticked "
            "in advance."
        ),
        "signup_closed": "Signing up is not possible at the moment. Please try again later.",
        "field_email": "E-mail address",
        "field_given_name": "Given name (optional)",
        "field_family_name": "Family name (optional)",
        "field_language": "Language of the messages",
        "topics_legend": "What would you like to receive e-mail about?",
        "retention_heading": "How long we keep your data",
        "retention_collection": "{period} after we received it.",
        "retention_last_interaction": "{period} after our last contact with you.",
        "retention_end_of_contract": "{period} after your contract with us ends.",
        "retention_withdrawal": (
            "As long as your consent lasts, and {period} after you withdraw it."
        ),
        "signup_mail_note": (
            "You will get an e-mail with a link to confirm your sign-up. Without confirmation we "
            "send nothing and delete your sign-up after {hours} hours."
        ),
        "signup_button": "Sign up",
        "error_summary": "Please check the marked fields.",
        "error_email_missing": "Enter your e-mail address.",
        "error_email_invalid": "This is not a valid e-mail address.",
        "error_name_invalid": "This name is too long or contains characters that are not allowed.",
        "error_language_invalid": "Choose Dutch or English.",
        "error_topics_missing": "Choose at least one topic.",
        "error_notice_changed": (
            "The wording you agree to has changed in the meantime. Please read it again and send "
            "the form once more."
        ),
        "check_mail_title": "Check your mailbox",
        "check_mail_body": (
            "If the address is right, you will get an e-mail with a confirmation link within a "
            "few minutes. You are signed up only once you open it and confirm. The link is valid "
            "for {hours} hours."
        ),
        "send_failed_title": "E-mail not sent",
        "send_failed_body": (
            "We could not send the confirmation e-mail just now. Please try again later."
        ),
        # Confirmation
        "confirm_title": "Confirm your sign-up",
        "confirm_body": "Confirm that you want e-mail from {organisation} about:",
        "confirm_button": "Confirm",
        "confirmed_title": "Sign-up confirmed",
        "confirmed_body": (
            "Thank you. From now on you receive e-mail about the topics you chose. You can "
            "unsubscribe at any time with the link at the bottom of every message."
        ),
        # Errors
        "link_error_title": "This link does not work",
        "token_tampered": (
            "This link is not valid: it was changed or cut off. Open it again from the e-mail."
        ),
        "token_expired": (
            "This link has expired. Use the link in a more recent message, or sign up again."
        ),
        "token_used": (
            "This link was already used or has expired: a sign-up can be confirmed only once. If "
            "you confirmed already, there is nothing more to do."
        ),
        "token_gone": "There is nothing to do here: this address is no longer on file with us.",
        "unexpected_title": "Something went wrong",
        "unexpected_body": (
            "This request could not be completed. The error was logged for the administrator; "
            "please try again later."
        ),
    },
}

CHANNELS: dict[str, dict[str, str]] = {
    "nl": {
        "email": "e-mail",
        "phone": "telefoon",
        "sms": "sms",
        "whatsapp": "WhatsApp",
        "post": "post",
    },
    "en": {
        "email": "e-mail",
        "phone": "phone",
        "sms": "text message",
        "whatsapp": "WhatsApp",
        "post": "post",
    },
}

_MONTHS = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

_UNITS = {
    "nl": (("jaar", "jaar"), ("maand", "maanden"), ("dag", "dagen"), " en "),
    "en": (("year", "years"), ("month", "months"), ("day", "days"), " and "),
}


def strings(language: str) -> dict[str, str]:
    return STRINGS[language if language in STRINGS else DEFAULT]


def from_accept_language(header: str | None) -> str | None:
    """The supported language the ``Accept-Language`` header prefers most (RFC 9110 12.5.4)."""
    if not header:
        return None
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-", 1)[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (-quality, position, primary)
        if best is None or candidate < best:
            best = candidate
    return None if best is None else best[2]


def choose(person_language: str | None, query: str | None, accept_language: str | None) -> str:
    """The page's language: the person's own when a link names them, else ``?lang=``, else the
    browser's ``Accept-Language``, else Dutch."""
    for candidate in (person_language, query, from_accept_language(accept_language)):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT


def duration(iso: str, language: str) -> str:
    """An ISO-8601 duration said plainly: ``P2Y`` is "2 jaar" or "2 years"."""
    parsed = parse_duration(iso)
    year, month, day, joiner = _UNITS[language]
    parts = [
        f"{count} {names[0] if count == 1 else names[1]}"
        for count, names in (
            (parsed.years, year),
            (parsed.months, month),
            (parsed.days, day),
        )
        if count
    ]
    if not parts:
        return f"0 {day[1]}"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + joiner + parts[-1]


def retention(iso: str, anchor: str, language: str) -> str:
    """The retention period of a purpose as a sentence: how long, counted from when."""
    text = strings(language)[f"retention_{anchor}"]
    period = duration(iso, language)
    if text.startswith("{period}"):
        period = period[:1].upper() + period[1:]
    return text.format(period=period)


def date(value: datetime, language: str) -> str:
    return f"{value.day} {_MONTHS[language][value.month - 1]} {value.year}"
