"""The Dutch and English wording of the public pages, and how a page's language is chosen.

Kept as two plain dictionaries with the same keys (a test checks they match) until the staff web
app brings Babel catalogues. Placeholders are ``str.format`` fields; the templates escape the
result, so a value put into a sentence can never become markup.
"""

from __future__ import annotations

from datetime import datetime

from kluis.purposes.rules import parse_duration
from kluis.requests.rules import ARTICLES, RequestType

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
        # Privacy requests
        "privacy_title": "Privacyverzoek",
        "privacy_intro": (
            "Hier vraag je {organisation} iets over de persoonsgegevens die we van je hebben. Om "
            "zeker te weten dat het om jouw gegevens gaat, sturen we eerst een e-mail naar het "
            "adres dat je hieronder invult. Pas als je de link daarin opent en bevestigt, nemen "
            "we je verzoek in behandeling."
        ),
        "privacy_email_hint": "Het adres waaronder wij je kennen.",
        "privacy_type_legend": "Wat wil je vragen?",
        "privacy_mail_note": (
            "De link in de e-mail werkt {hours} uur. Nadat je hebt bevestigd, antwoorden we "
            "binnen een maand."
        ),
        "privacy_button": "Verstuur",
        "article": "artikel {number} AVG",
        "request_access": "Inzage in je gegevens",
        "request_access_help": (
            "Je krijgt een kopie van alle gegevens die we over je hebben, waarvoor we ze "
            "gebruiken en hoe lang we ze bewaren."
        ),
        "request_portability": "Je gegevens meenemen",
        "request_portability_help": (
            "Je krijgt je gegevens in bestanden die een computer kan lezen (JSON, CSV, vCard), "
            "om ze mee te nemen naar een ander bedrijf."
        ),
        "request_rectification": "Verbetering van je gegevens",
        "request_rectification_help": (
            "We verbeteren gegevens die onjuist of onvolledig zijn. We nemen contact met je op om "
            "te vragen wat er moet veranderen."
        ),
        "request_restriction": "Beperking van het gebruik van je gegevens",
        "request_restriction_help": (
            "We bewaren je gegevens, maar gebruiken ze voor niets anders zolang de beperking "
            "geldt, bijvoorbeeld terwijl je betwist dat ze kloppen."
        ),
        "request_objection": "Bezwaar tegen direct marketing",
        "request_objection_help": (
            "We sturen je geen reclame meer, via geen enkel kanaal en over geen enkel onderwerp."
        ),
        "request_erasure": "Wissen van je gegevens",
        "request_erasure_help": (
            "We wissen je gegevens, behalve wat we volgens de wet moeten bewaren. Je krijgt eerst "
            "een kopie."
        ),
        "error_request_type_missing": "Kies wat je wilt vragen.",
        "privacy_sent_body": (
            "Als we gegevens hebben onder dit e-mailadres, hebben we er een link naartoe gestuurd "
            "waarmee je je verzoek bevestigt. Kijk in je mailbox; de link werkt {hours} uur. "
            "Zonder bevestiging gebeurt er niets."
        ),
        "privacy_unavailable": (
            "Een privacyverzoek indienen kan hier op dit moment niet, omdat we geen e-mail kunnen "
            "versturen. Probeer het later opnieuw, of neem op een andere manier contact op met "
            "{organisation}."
        ),
        "privacy_too_large": (
            "Dit formulier is te groot. Vul alleen je e-mailadres in en kies een verzoek."
        ),
        "too_many_title": "Even geduld",
        "too_many_body": (
            "Er zijn vanaf dit adres te veel formulieren verstuurd. Probeer het over een uur "
            "opnieuw."
        ),
        "privacy_confirm_title": "Verzoek bevestigen",
        "privacy_confirm_body": "Je vraagt {organisation} om:",
        "privacy_confirm_next": (
            "Als je op de knop drukt, leggen we je verzoek vast en antwoorden we binnen een maand. "
            "Er gebeurt pas iets als je op de knop drukt."
        ),
        "privacy_confirm_button": "Verzoek indienen",
        "privacy_received_title": "Verzoek ontvangen",
        "privacy_received_body": (
            "We hebben je verzoek ontvangen onder nummer {number}: {request}. We antwoorden "
            "uiterlijk op {date}, binnen een maand (artikel 12, lid 3 AVG). Noem dit nummer als "
            "je contact met ons opneemt."
        ),
        "privacy_received_rectification": (
            "We nemen contact met je op om te vragen wat we moeten verbeteren."
        ),
        "privacy_link_expired": (
            "Deze link is verlopen. Doe je verzoek opnieuw op de privacypagina; je krijgt dan een "
            "nieuwe link."
        ),
        "privacy_again": "Naar de privacypagina",
        # Re-confirmation
        "reconfirm_title": "Wil je deze berichten nog?",
        "reconfirm_intro": (
            "Je gaf {organisation} toestemming om je berichten te sturen over {topic} via "
            "{channel}. Die toestemming loopt tot {date}: wil je de berichten daarna nog "
            "krijgen, bevestig het dan met de knop."
        ),
        "reconfirm_nothing_yet": "Er verandert pas iets als je op de knop drukt.",
        "reconfirm_button": "Ja, blijf ze sturen",
        "reconfirm_silence": (
            "Wil je ze niet meer? Dan hoef je niets te doen: na {date} sturen we ze niet meer."
        ),
        "reconfirmed_title": "Bedankt voor je bevestiging",
        "reconfirmed_body": (
            "We hebben vastgelegd dat je berichten over {topic} via {channel} wilt blijven "
            "krijgen. Je toestemming loopt nu tot {date}."
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
        "token_lapsed": (
            "Deze toestemming is verlopen of ingetrokken, dus er valt niets meer te bevestigen. "
            "Wil je de berichten weer krijgen, meld je dan opnieuw aan."
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
        # Privacy requests
        "privacy_title": "Privacy request",
        "privacy_intro": (
            "Here you ask {organisation} about the personal data we hold about you. To be sure it "
            "is your data, we first send an e-mail to the address you enter below. Only once you "
            "open the link in it and confirm do we take your request in."
        ),
        "privacy_email_hint": "The address we know you by.",
        "privacy_type_legend": "What would you like to ask for?",
        "privacy_mail_note": (
            "The link in the e-mail works for {hours} hours. Once you confirm, we answer within "
            "one month."
        ),
        "privacy_button": "Send",
        "article": "Article {number} GDPR",
        "request_access": "A copy of your data",
        "request_access_help": (
            "You get a copy of all the data we hold about you, what we use it for and how long "
            "we keep it."
        ),
        "request_portability": "Your data to take elsewhere",
        "request_portability_help": (
            "You get your data in files a computer can read (JSON, CSV, vCard), to take to "
            "another company."
        ),
        "request_rectification": "Correction of your data",
        "request_rectification_help": (
            "We correct data that is wrong or incomplete. We will contact you to ask what should "
            "change."
        ),
        "request_restriction": "Restriction of the use of your data",
        "request_restriction_help": (
            "We keep your data but use it for nothing else while the restriction lasts, for "
            "example while you dispute that it is correct."
        ),
        "request_objection": "Objection to direct marketing",
        "request_objection_help": (
            "We send you no more advertising, on any channel and about any topic."
        ),
        "request_erasure": "Erasure of your data",
        "request_erasure_help": (
            "We erase your data, except what the law obliges us to keep. You get a copy first."
        ),
        "error_request_type_missing": "Choose what you would like to ask for.",
        "privacy_sent_body": (
            "If we hold data under this e-mail address, we sent a link to it with which you "
            "confirm your request. Check your mailbox; the link works for {hours} hours. Without "
            "confirmation nothing happens."
        ),
        "privacy_unavailable": (
            "Making a privacy request here is not possible at the moment, because we cannot send "
            "e-mail. Please try again later, or contact {organisation} another way."
        ),
        "privacy_too_large": (
            "This form is too large. Enter only your e-mail address and choose a request."
        ),
        "too_many_title": "Please wait",
        "too_many_body": "Too many forms were sent from this address. Try again in an hour.",
        "privacy_confirm_title": "Confirm your request",
        "privacy_confirm_body": "You ask {organisation} for:",
        "privacy_confirm_next": (
            "When you press the button, we record your request and answer within one month. "
            "Nothing happens until you press the button."
        ),
        "privacy_confirm_button": "Submit the request",
        "privacy_received_title": "Request received",
        "privacy_received_body": (
            "We received your request under number {number}: {request}. We will answer by "
            "{date} at the latest, within one month (Article 12(3) GDPR). Quote this number "
            "when you contact us."
        ),
        "privacy_received_rectification": "We will contact you to ask what we should correct.",
        "privacy_link_expired": (
            "This link has expired. Make your request again on the privacy page; you will get a "
            "new link."
        ),
        "privacy_again": "To the privacy page",
        # Re-confirmation
        "reconfirm_title": "Do you still want these messages?",
        "reconfirm_intro": (
            "You agreed that {organisation} may send you messages about {topic} by {channel}. "
            "That consent runs until {date}: if you want the messages after that, confirm it "
            "with the button."
        ),
        "reconfirm_nothing_yet": "Nothing changes until you press the button.",
        "reconfirm_button": "Yes, keep sending them",
        "reconfirm_silence": (
            "Don't want them any more? Then you need not do anything: after {date} we stop."
        ),
        "reconfirmed_title": "Thank you for confirming",
        "reconfirmed_body": (
            "We have recorded that you want to keep receiving messages about {topic} by "
            "{channel}. Your consent now runs until {date}."
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
        "token_lapsed": (
            "This consent has lapsed or was withdrawn, so there is nothing left to confirm. If "
            "you want the messages again, please sign up again."
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


def article(kind: str, language: str) -> str:
    """The GDPR article of a request type, said in ``language``: "artikel 15 AVG"."""
    number = ARTICLES[RequestType(kind)].removeprefix("Art. ")
    return strings(language)["article"].format(number=number)


def request_label(kind: str, language: str) -> str:
    """What a request type asks for, as a phrase inside a sentence, with its article:
    "a copy of your data (Article 15 GDPR)"."""
    label = strings(language)[f"request_{kind}"]
    return f"{label[:1].lower()}{label[1:]} ({article(kind, language)})"
