"""Dates and small phrases in the series language (Babel).

So 'Available Sep 15, 2025' reads naturally in every locale and is always in the series timezone.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _format_date

# Interface labels of every renderer, by language: every string any format prints comes from
# here. One key = one meaning everywhere; a label with a placeholder names it ({n}, {date}...).
# The languages of SUPPORTED have every key (tests/test_labels.py); another language may leave
# keys out and `labels()` fills them from English, so a partial translation never raises.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        # parts and dates
        "part": "Part {n}", "part_of": "Part {n} of {total}", "parts": "Parts {numbers}",
        "and": "and", "published": "Published", "updated": "Updated",
        "published_on": "Published {date}", "updated_on": "Updated {date}",
        "available": "Available {date}", "edition": "Edition of {date}: {parts} of {total}.",
        "coming_soon": "Coming soon",
        "coming_soon_intro": "These parts of the series are not out yet. They will be in the "
                             "next edition of this ebook once they are released.",
        # people and rights
        "by": "By {names}", "edited": "Edited by {names}",
        "reviewed": "Medically reviewed by {who} on {date}",
        "reviewed_by": "Medically reviewed by {who}", "medical_review": "Medical review",
        "review_due": "next review due {date}", "next_review": "Next review due {date}",
        "what_changed": "What changed", "withdrawn_on": "Withdrawn {date}: {reason}",
        "expired": "This information has expired and is no longer published.",
        "gone": "{title} is no longer published.",
        "ends": "No longer published: {title}",
        "origin": "Originally published by {publisher}:", "license": "License: {license}",
        "series": "Series: {title}", "copyright": "© {holder}",
        "last_reviewed": "Last reviewed {date}",
        # navigation and sections
        "contents": "Contents", "references": "References", "notes": "Notes", "read": "Read",
        "cover": "Cover", "cover_of": "Cover of {title}", "titlepage": "Title page",
        "notice": "Important information", "landmarks": "Landmarks",
        "start": "Start of content", "important": "Important", "about": "About this booklet",
        # print
        "page": "page", "page_of": "Page {x} of {y}", "read_online": "Read this online",
        "scan": "Scan the code with your phone camera, or type the address:",
        "qr_alt": "QR code linking to {url}", "logo_alt": "{name} logo",
        "contact": "Questions? Contact your care team", "phone": "Phone", "email": "Email",
        "web": "Web",
        # callouts in the Markdown body
        "callout_note": "Note", "callout_warning": "Warning", "callout_tip": "Tip",
        "links": "Links", "note_n": "Note {n}", "reference_n": "Reference {n}",
        "back_to_note": "Back to note reference {n}",
        # the HTML fragments' preview page
        "preview_title": "{title}: HTML fragments preview",
        "preview_heading": "{title}: HTML fragments",
        "preview_note": "A preview of every fragment as a partner page shows it, with "
                        "{stylesheet}. Each fragment is a separate file next to this page; "
                        "see {index}.",
        "embed_title": "Embed “{title}”",
        "embed_how": ": select one of these and copy it into your page.",
        "embed_fragment": "HTML fragment, with its stylesheet",
        "embed_iframe": "iframe (or give the part’s URL to an oEmbed consumer)",
        "embed_feeds": "Feeds of the series (RSS, Atom, JSON Feed)",
        # the line that links a part's other language versions
        "this_page_in": "This page in:", "languages": "Languages",
        # the ebook's schema:accessibilitySummary
        "a11y_summary": "This ebook has a table of contents, headings in a logical order, text "
                        "alternatives for every image, footnotes as linked notes with links back "
                        "to the text, and no fixed layout, so reading systems can change fonts, "
                        "sizes and colours. It meets EPUB Accessibility 1.1 at WCAG 2.1 Level AA "
                        "and has no known hazards.",
    },
    "es": {
        "part": "Parte {n}", "part_of": "Parte {n} de {total}", "parts": "Partes {numbers}",
        "and": "y", "published": "Publicado", "updated": "Actualizado",
        "published_on": "Publicado el {date}", "updated_on": "Actualizado el {date}",
        "available": "Disponible el {date}", "edition": "Edición del {date}: {parts} de {total}.",
        "coming_soon": "Próximamente",
        "coming_soon_intro": "Estas partes de la serie aún no se han publicado. Estarán en la "
                             "próxima edición de este libro electrónico cuando se publiquen.",
        "by": "Por {names}", "edited": "Edición: {names}",
        "reviewed": "Revisión médica de {who} el {date}",
        "reviewed_by": "Revisión médica de {who}", "medical_review": "Revisión médica",
        "review_due": "próxima revisión prevista el {date}",
        "next_review": "Próxima revisión prevista el {date}",
        "what_changed": "Qué ha cambiado", "withdrawn_on": "Retirado el {date}: {reason}",
        "expired": "Esta información ha caducado y ya no se publica.",
        "gone": "{title} ya no se publica.",
        "ends": "Ya no se publica: {title}",
        "origin": "Publicado originalmente por {publisher}:", "license": "Licencia: {license}",
        "series": "Serie: {title}", "copyright": "© {holder}",
        "last_reviewed": "Última revisión: {date}",
        "contents": "Índice", "references": "Referencias", "notes": "Notas", "read": "Leer",
        "cover": "Cubierta", "cover_of": "Cubierta de {title}", "titlepage": "Portada",
        "notice": "Información importante", "landmarks": "Puntos de referencia",
        "start": "Inicio del contenido", "important": "Importante",
        "about": "Sobre este cuadernillo",
        "page": "página", "page_of": "Página {x} de {y}", "read_online": "Léalo en internet",
        "scan": "Escanee el código con la cámara del teléfono o escriba la dirección:",
        "qr_alt": "Código QR que enlaza a {url}", "logo_alt": "Logotipo de {name}",
        "contact": "¿Preguntas? Contacte con su equipo", "phone": "Teléfono", "email": "Correo",
        "web": "Web",
        "callout_note": "Nota", "callout_warning": "Advertencia", "callout_tip": "Consejo",
        "links": "Enlaces", "note_n": "Nota {n}", "reference_n": "Referencia {n}",
        "back_to_note": "Volver a la llamada de la nota {n}",
        "preview_title": "{title}: vista previa de los fragmentos HTML",
        "preview_heading": "{title}: fragmentos HTML",
        "preview_note": "Vista previa de cada fragmento tal como lo muestra una página "
                        "asociada, con {stylesheet}. Cada fragmento es un archivo aparte junto "
                        "a esta página; vea {index}.",
        "embed_title": "Insertar «{title}»",
        "embed_how": ": elija uno de estos códigos y cópielo en su página.",
        "embed_fragment": "Fragmento HTML, con su hoja de estilos",
        "embed_iframe": "iframe (o dé la URL de la parte a un consumidor de oEmbed)",
        "embed_feeds": "Canales de la serie (RSS, Atom, JSON Feed)",
        "this_page_in": "Esta página en:", "languages": "Idiomas",
        "a11y_summary": "Este libro electrónico tiene un índice, encabezados en un orden "
                        "lógico, texto alternativo para cada imagen, notas enlazadas con enlaces "
                        "de vuelta al texto y un diseño adaptable, de modo que los sistemas de "
                        "lectura pueden cambiar las fuentes, los tamaños y los colores. Cumple "
                        "EPUB Accessibility 1.1 con WCAG 2.1 nivel AA y no tiene riesgos "
                        "conocidos.",
    },
    "fr": {
        "part": "Partie {n}", "part_of": "Partie {n} sur {total}", "parts": "Parties {numbers}",
        "and": "et", "published": "Publié", "updated": "Mis à jour",
        "published_on": "Publié le {date}", "updated_on": "Mis à jour le {date}",
        "available": "Disponible le {date}", "edition": "Édition du {date} : {parts} sur {total}.",
        "coming_soon": "Bientôt disponible",
        "coming_soon_intro": "Ces parties de la série ne sont pas encore parues. Elles seront "
                             "dans la prochaine édition de ce livre numérique dès leur parution.",
        "by": "Par {names}", "edited": "Édité par {names}",
        "reviewed": "Relu par {who}, le {date}", "reviewed_by": "Relu par {who}",
        "medical_review": "Relecture médicale",
        "review_due": "prochaine relecture prévue le {date}",
        "next_review": "Prochaine relecture prévue le {date}",
        "what_changed": "Ce qui a changé", "withdrawn_on": "Retiré le {date} : {reason}",
        "expired": "Ces informations ont expiré et ne sont plus publiées.",
        "gone": "{title} n’est plus publié.",
        "ends": "N’est plus publié : {title}",
        "origin": "Publié à l’origine par {publisher} :", "license": "Licence : {license}",
        "series": "Série : {title}", "copyright": "© {holder}",
        "last_reviewed": "Dernière relecture : {date}",
        "contents": "Sommaire", "references": "Références", "notes": "Notes", "read": "Lire",
        "cover": "Couverture", "cover_of": "Couverture de {title}", "titlepage": "Page de titre",
        "notice": "Informations importantes", "landmarks": "Repères",
        "start": "Début du contenu", "important": "Important",
        "about": "À propos de ce livret",
        "page": "page", "page_of": "Page {x} sur {y}", "read_online": "Lire en ligne",
        "scan": "Scannez le code avec l’appareil photo du téléphone, ou saisissez l’adresse :",
        "qr_alt": "Code QR menant à {url}", "logo_alt": "Logo de {name}",
        "contact": "Des questions ? Contactez votre équipe soignante", "phone": "Téléphone",
        "email": "Courriel", "web": "Web",
        "callout_note": "Remarque", "callout_warning": "Attention", "callout_tip": "Conseil",
        "links": "Liens", "note_n": "Note {n}", "reference_n": "Référence {n}",
        "back_to_note": "Retour à l’appel de note {n}",
        "preview_title": "{title} : aperçu des fragments HTML",
        "preview_heading": "{title} : fragments HTML",
        "preview_note": "Un aperçu de chaque fragment tel qu’une page partenaire l’affiche, "
                        "avec {stylesheet}. Chaque fragment est un fichier distinct à côté de "
                        "cette page ; voir {index}.",
        "embed_title": "Intégrer « {title} »",
        "embed_how": " : choisissez l’un de ces codes et copiez-le dans votre page.",
        "embed_fragment": "Fragment HTML, avec sa feuille de style",
        "embed_iframe": "iframe (ou donnez l’URL de la partie à un client oEmbed)",
        "embed_feeds": "Flux de la série (RSS, Atom, JSON Feed)",
        "this_page_in": "Cette page en\u00a0:", "languages": "Langues",
        "a11y_summary": "Ce livre numérique comporte une table des matières, des titres dans "
                        "un ordre logique, une alternative textuelle pour chaque image, des notes "
                        "liées avec des liens de retour vers le texte et une mise en page "
                        "adaptable : les systèmes de lecture peuvent changer les polices, les "
                        "tailles et les couleurs. Il est conforme à EPUB Accessibility 1.1 au "
                        "niveau AA des WCAG 2.1 et ne présente aucun danger connu.",
    },
    "de": {
        "part": "Teil {n}", "part_of": "Teil {n} von {total}", "parts": "Teile {numbers}",
        "and": "und", "published": "Veröffentlicht", "updated": "Aktualisiert",
        "published_on": "Veröffentlicht am {date}", "updated_on": "Aktualisiert am {date}",
        "available": "Verfügbar ab {date}", "edition": "Ausgabe vom {date}: {parts} von {total}.",
        "coming_soon": "Demnächst",
        "coming_soon_intro": "Diese Teile der Reihe sind noch nicht erschienen. Sie kommen in "
                             "die nächste Ausgabe dieses E-Books, sobald sie erschienen sind.",
        "by": "Von {names}", "edited": "Redaktion: {names}",
        "reviewed": "Medizinisch geprüft von {who} am {date}",
        "reviewed_by": "Medizinisch geprüft von {who}", "medical_review": "Medizinische Prüfung",
        "review_due": "nächste Prüfung fällig am {date}",
        "next_review": "Nächste Prüfung fällig am {date}",
        "what_changed": "Was sich geändert hat",
        "withdrawn_on": "Zurückgezogen am {date}: {reason}",
        "expired": "Diese Informationen sind abgelaufen und werden nicht mehr veröffentlicht.",
        "gone": "{title} wird nicht mehr veröffentlicht.",
        "ends": "Nicht mehr veröffentlicht: {title}",
        "origin": "Zuerst veröffentlicht von {publisher}:", "license": "Lizenz: {license}",
        "series": "Reihe: {title}", "copyright": "© {holder}",
        "last_reviewed": "Zuletzt geprüft am {date}",
        "contents": "Inhalt", "references": "Quellen", "notes": "Anmerkungen", "read": "Lesen",
        "cover": "Umschlag", "cover_of": "Umschlag von {title}", "titlepage": "Titelseite",
        "notice": "Wichtige Hinweise", "landmarks": "Orientierungspunkte",
        "start": "Beginn des Inhalts", "important": "Wichtig",
        "about": "Über diese Broschüre",
        "page": "Seite", "page_of": "Seite {x} von {y}", "read_online": "Online lesen",
        "scan": "Scannen Sie den Code mit der Handykamera oder geben Sie die Adresse ein:",
        "qr_alt": "QR-Code mit Link zu {url}", "logo_alt": "Logo von {name}",
        "contact": "Fragen? Wenden Sie sich an Ihr Behandlungsteam", "phone": "Telefon",
        "email": "E-Mail", "web": "Web",
        "callout_note": "Hinweis", "callout_warning": "Warnung", "callout_tip": "Tipp",
        "links": "Links", "note_n": "Anmerkung {n}", "reference_n": "Quelle {n}",
        "back_to_note": "Zurück zum Verweis auf Anmerkung {n}",
        "preview_title": "{title}: Vorschau der HTML-Fragmente",
        "preview_heading": "{title}: HTML-Fragmente",
        "preview_note": "Eine Vorschau jedes Fragments, wie eine Partnerseite es mit "
                        "{stylesheet} zeigt. Jedes Fragment ist eine eigene Datei neben dieser "
                        "Seite; siehe {index}.",
        "embed_title": "„{title}“ einbetten",
        "embed_how": ": Wählen Sie einen dieser Codes und kopieren Sie ihn in Ihre Seite.",
        "embed_fragment": "HTML-Fragment mit seinem Stylesheet",
        "embed_iframe": "iframe (oder geben Sie die URL des Teils einem oEmbed-Client)",
        "embed_feeds": "Feeds der Reihe (RSS, Atom, JSON Feed)",
        "this_page_in": "Diese Seite auf:", "languages": "Sprachen",
        "a11y_summary": "Dieses E-Book hat ein Inhaltsverzeichnis, Überschriften in logischer "
                        "Reihenfolge, Textalternativen für jedes Bild, verlinkte Fußnoten mit "
                        "Rücksprung in den Text und kein festes Layout, sodass Lesesysteme "
                        "Schriftarten, Schriftgrößen und Farben ändern können. Es erfüllt EPUB "
                        "Accessibility 1.1 nach WCAG 2.1 Stufe AA und hat keine bekannten "
                        "Gefahren.",
    },
}

SUPPORTED = ("en", "es", "fr", "de")
"""Languages with every label translated."""


QUOTES: dict[str, tuple[str, str, str, str]] = {
    "en": ("\u201c", "\u201d", "\u2018", "\u2019"),  # “double” ‘single’
    "es": ("\u00ab", "\u00bb", "\u201c", "\u201d"),  # «angulares» “inglesas”
    "fr": ("\u00ab\u00a0", "\u00a0\u00bb", "\u201c", "\u201d"),  # « guillemets » “anglais”
    "de": ("\u201e", "\u201c", "\u201a", "\u2018"),  # „Gänsefüßchen“ ‚halbe‘
}
"""Typographic quotes (open, close, inner open, inner close) that straight quotes in part
bodies become, per language; English for any other."""


def quotes(language: str) -> tuple[str, str, str, str]:
    """Opening and closing quotes, outer then inner, for ``language`` (English's by default).

    Args:
        language: a BCP 47 tag; its primary subtag decides.
    """
    return QUOTES.get(language.split("-")[0].split("_")[0].lower(), QUOTES["en"])


@functools.cache
def locale_for(language: str) -> Locale:
    """The Babel locale of a language tag, else of its primary language, else English.

    Args:
        language: a BCP 47 tag (``es-MX``).
    """
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        try:
            return Locale.parse(language.split("-")[0])
        except (UnknownLocaleError, ValueError):
            return Locale.parse("en")


def format_date(value: date | datetime, language: str, tz: ZoneInfo | None = None,
                style: str = "medium") -> str:
    """A date in the series language; datetimes are first moved to the series timezone.

    Args:
        value: a date, or an aware datetime.
        language: the series language.
        tz: the series timezone; default None: a datetime's own.
        style: a Babel date format (``short``, ``medium``, ``long``); default ``medium``.
    """
    if isinstance(value, datetime) and tz is not None:
        value = value.astimezone(tz)
    day = value.date() if isinstance(value, datetime) else value
    return _format_date(day, format=style, locale=locale_for(language))


def available(value: datetime, language: str, tz: ZoneInfo) -> str:
    """'Available Sep 15, 2025' in the series language.

    Args:
        value: the release instant (aware).
        language: the series language.
        tz: the series timezone.
    """
    return labels(language)["available"].format(date=format_date(value, language, tz))


@functools.cache
def labels(language: str) -> Mapping[str, str]:
    """The interface labels of a language, with English for any it lacks.

    "es-MX" gets the "es" labels, English filling any key the translation lacks; an unknown language
    gets English.

    Args:
        language: a BCP 47 tag.
    """
    base = language.split("-")[0].split("_")[0].lower()
    return MappingProxyType({**LABELS["en"], **LABELS.get(base, {})})


def language_name(language: str, in_language: str | None = None) -> str:
    """The name of ``language``, as a language switch shows it.

    Written in ``in_language`` (default: in itself: "English", "Español"), first letter
    capitalised; the tag itself when Babel does not know it.

    Args:
        language: the language's BCP 47 tag.
        in_language: the language to write the name in; default None: ``language`` itself.
    """
    try:
        name = Locale.parse(language.replace("-", "_")).get_display_name(
            locale_for(in_language or language))
    except (ValueError, UnknownLocaleError):
        return language
    return name[:1].upper() + name[1:] if name else language
