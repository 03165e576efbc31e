"""Build templates/drafts/lettre.docx, the Word layout of the letters (docxtpl tags).

Run from the repository's root after changing the layout: ``python tools/make_letter_template.py``.
The letter's text comes from the text templates (presentation.txt...), one paragraph
per line in ``corps``; this file only lays out the sender, the recipient, the place
and date, the subject and the body. A coordinator may edit the result in Word: keep
the ``{{ ... }}`` and ``{%p ... %}`` tags (variables: see the README).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parent.parent / "templates" / "drafts" / "lettre.docx"


def main() -> None:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin = section.bottom_margin = Cm(2.0)
    style = doc.styles["Normal"]
    style.font.name = "Liberation Serif"
    style.font.size = Pt(11)
    style.paragraph_format.space_after = Pt(0)

    def line(text: str, *, bold: bool = False, indent: bool = False, after: int = 0) -> None:
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        if indent:
            p.paragraph_format.left_indent = Cm(9.5)
        p.paragraph_format.space_after = Pt(after)

    # sender
    line("Bibliothèque {{ bibliotheque }}", bold=True)
    line("Culture et Bibliothèques pour Tous")
    line("{%p for ligne in adresse_bibliotheque %}")
    line("{{ ligne }}")
    line("{%p endfor %}")
    line("{{ benevole }}{% if email_benevole %} – {{ email_benevole }}{% endif %}", after=18)
    # recipient
    line("{{ organisation }}", bold=True, indent=True)
    line("{%p if destinataire %}", indent=True)
    line(
        "À l'attention de {{ destinataire }}{% if fonction %}, {{ fonction }}{% endif %}",
        indent=True,
    )
    line("{%p endif %}", indent=True)
    line("{%p if service %}", indent=True)
    line("{{ service }}", indent=True)
    line("{%p endif %}", indent=True)
    line("{%p for ligne in adresse %}", indent=True)
    line("{{ ligne }}", indent=True)
    line("{%p endfor %}", indent=True)
    line("", after=12)
    line("{{ lieu_date }}", indent=True, after=18)
    p = doc.add_paragraph()
    p.add_run("Objet\u00a0: ").bold = True
    p.add_run("{{ objet }}")
    p.paragraph_format.space_after = Pt(12)
    line("{%p for paragraphe in corps %}")
    body = doc.add_paragraph("{{ paragraphe }}")
    body.alignment = WD_ALIGN_PARAGRAPH.LEFT
    body.paragraph_format.space_after = Pt(0)
    line("{%p endfor %}")
    doc.core_properties.title = "Courrier CBPT"
    doc.core_properties.author = "cbpt-sheets"
    doc.save(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
