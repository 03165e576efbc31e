"""Drafts as files: e-mails (.eml, standard library) and letters (.docx, docxtpl).

The texts are Jinja templates (``presentation.txt``, ``documentation.txt``,
``convention.txt``, ``relance.txt``): the first line is ``Objet : ...`` (the
e-mail's subject, the letter's subject line), the rest is the body. The letter's
layout is ``lettre.docx``, a Word file with docxtpl tags. The shipped templates are
in the package; a coordinator's folder (Paramètres, « Dossier des modèles... »)
replaces any of them file by file. Templates run in Jinja's sandbox: a template is
text from a workbook's folder, not code.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import io
import re
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

from cbpt_sheets.core.drafts import TEXTS, Draft
from cbpt_sheets.errors import CbptError, os_error_fr

LETTER_TEMPLATE = "lettre.docx"
TEMPLATE_FILES: tuple[str, ...] = (*(f"{name}.txt" for name in TEXTS), LETTER_TEMPLATE)
"""Every template file, as a coordinator's folder may hold them."""

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_SHIPPED_DIRS = (
    _PACKAGE_DIR / "resources" / "drafts",
    _PACKAGE_DIR.parent / "templates" / "drafts",
)
# XML 1.0 forbids these; a cell may hold them (pasted text)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")  # fmt: skip
_SUBJECT = re.compile(r"^\s*(objet|subject)\s*:\s*", re.IGNORECASE)


def shipped_dir() -> Path:
    """The folder of the templates shipped with the package (installed, or the repository's)."""
    for folder in _SHIPPED_DIRS:
        if (folder / LETTER_TEMPLATE).is_file():
            return folder
    raise CbptError(
        "Les modèles de courriers fournis avec cbpt-sheets sont introuvables : réinstallez-le."
    )


@dataclass(frozen=True)
class Templates:
    """Where each template file comes from: the coordinator's folder, else the shipped one."""

    files: dict[str, Path]
    custom: Path | None = None  # the coordinator's folder, when given and found
    unfound: str | None = None  # a folder named in Paramètres that does not exist

    def source(self, name: str) -> str:
        path = self.files[name]
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CbptError(
                f"Le modèle « {path} » n'est pas un texte UTF-8 : enregistrez-le en UTF-8 "
                "(Bloc-notes : Enregistrer sous, Codage UTF-8)."
            ) from exc
        except OSError as exc:
            raise CbptError(
                f"Impossible de lire le modèle « {path} » ({os_error_fr(exc)})."
            ) from exc


def find_templates(folder: str | None, base: Path) -> Templates:
    """The templates to use: ``folder`` (relative to ``base``, the workbook's folder) first."""
    shipped = shipped_dir()
    files = {name: shipped / name for name in TEMPLATE_FILES}
    if not folder:
        return Templates(files)
    custom = Path(folder).expanduser()
    if not custom.is_absolute():
        custom = base / custom
    if not custom.is_dir():
        return Templates(files, unfound=folder)
    for name in TEMPLATE_FILES:
        if (custom / name).is_file():
            files[name] = custom / name
    return Templates(files, custom=custom)


def long_date(day: dt.date) -> str:
    """``30 novembre 2026`` (``1er`` for the first of the month)."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {_MONTHS[day.month - 1]} {day.year}"


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
    )


def render_text(draft: Draft, templates: Templates) -> tuple[str, list[str]]:
    """(subject, body lines) of a draft's text template; a template error is a CbptError."""
    from jinja2 import TemplateError

    name = f"{draft.text}.txt"
    try:
        text = _environment().from_string(templates.source(name)).render(_clean(draft.fields))
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f", ligne {line}" if line else ""
        raise CbptError(
            f"Le modèle « {templates.files[name]} » a une erreur{where} : {exc.message or exc}. "
            "Corrigez-le, ou videz le dossier des modèles dans Paramètres pour revenir aux modèles fournis."
        ) from exc
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    subject = ""
    if lines and _SUBJECT.match(lines[0]):
        subject = _SUBJECT.sub("", lines.pop(0)).strip()
        subject = subject[:1].upper() + subject[1:]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if draft.missing:
        note = "À compléter avant l'envoi : " + " ; ".join(draft.missing) + "."
        lines = [f"[{note}]", "", *lines]
    return subject or draft.subject_hint, lines


def _header(value: str) -> str:
    return " ".join(value.split())  # no line break can reach a header


def email_bytes(draft: Draft, templates: Templates, now: dt.datetime) -> bytes:
    """The .eml of an e-mail draft: marked unsent (X-Unsent, Thunderbird's draft info)."""
    subject, lines = render_text(draft, templates)
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = _header(subject)
    if draft.to:
        message["To"] = formataddr(
            (_header(draft.fields.get("destinataire") or ""), _header(draft.to))
        )
    if draft.sender:
        message["From"] = formataddr(
            (_header(draft.fields.get("benevole") or ""), _header(draft.sender))
        )
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="cbpt-sheets.invalid")
    message["X-Unsent"] = "1"  # Outlook opens the file as a draft to edit and send
    message["X-Mozilla-Draft-Info"] = "internal/draft; vcard=0; receipt=0; DSN=0; uuencode=0"
    message["X-Cbpt-Organisation"] = _header(draft.id or draft.organisation)
    message.set_content("\n".join(_clean(lines)) + "\n", charset="utf-8")
    return message.as_bytes()


def letter_bytes(draft: Draft, templates: Templates, today: dt.date) -> bytes:
    """The .docx of a letter draft, from the letter layout and the action's text."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    subject, lines = render_text(draft, templates)
    address = draft.fields.get("adresse_bibliotheque") or []
    city = re.sub(r"^\s*\d{4,5}\s*", "", address[-1]) if address else ""
    context = dict(_clean(draft.fields))
    if not context.get("adresse"):
        context["adresse"] = ["[adresse postale à compléter]"]
    context.update(
        objet=_clean(subject),
        corps=_clean(lines),
        lieu_date=(f"{city}, le " if city else "Le ") + long_date(today),
    )
    path = templates.files[LETTER_TEMPLATE]
    try:
        document = DocxTemplate(str(path))
        document.render(context, jinja_env=_environment(), autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except TemplateError as exc:
        raise CbptError(
            f"Le modèle de lettre « {path} » a une erreur : {exc}. Corrigez-le, ou videz le "
            "dossier des modèles dans Paramètres pour revenir au modèle fourni."
        ) from exc
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:  # not a Word file
        raise CbptError(
            f"Le modèle de lettre « {path} » n'est pas un document Word lisible ({exc})."
        ) from exc
    return out.getvalue()
