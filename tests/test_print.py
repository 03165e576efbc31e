"""Lists and briefs on paper (issue 16): every generated sheet and every PDF read back as printed.

Each generated sheet (Suivi, Fiche, Contrôles, the ``followup --format xlsx`` list) is
printed to PDF by LibreOffice, each PDF of ``--format pdf`` is taken as written, and
the printed pages are read back with their positions (``pdftotext -bbox-layout``,
poppler). A page fails when two of its words overlap (a wrapped text drawn over the
next row), when it lacks the header row, or when a word of the grid's cells is
missing from the pages (a cut subtitle, a clipped label).
"""

from __future__ import annotations

import collections
import datetime as dt
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cbpt_sheets import operations
from cbpt_sheets.cli import cli
from cbpt_sheets.core.models import SheetGrid
from cbpt_sheets.render import fontwidths, layout
from cbpt_sheets.render.pdf import FONT_DIR, TICK
from tests.conftest import TODAY, convert_to_pdf, require_soffice

A4_LANDSCAPE = (841.9, 595.3)  # points


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    line: int  # the line of the page it belongs to (pdftotext's grouping)


def pages_of(pdf: Path) -> list[tuple[tuple[float, float], list[Word]]]:
    """Each page of ``pdf``: its size in points and its words with their boxes."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True
    ).stdout
    root = ET.fromstring(out)
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    pages: list[tuple[tuple[float, float], list[Word]]] = []
    line_id = 0
    for page in root.iterfind(".//h:page", ns):
        words: list[Word] = []
        for line in page.iterfind(".//h:line", ns):
            line_id += 1
            for w in line.iterfind("h:word", ns):
                box = [float(w.attrib[k]) for k in ("xMin", "yMin", "xMax", "yMax")]
                words.append(Word(w.text or "", *box, line_id))
        pages.append(((float(page.attrib["width"]), float(page.attrib["height"])), words))
    return pages


def overlaps(words: list[Word], share: float = 0.25) -> list[tuple[Word, Word]]:
    """The pairs of words of different lines whose boxes overlap.

    A word's box runs from the font's ascent to its descent, a little taller than the
    line spacing: two lines overlap when their boxes share more than ``share`` of a
    word's height (a text drawn over the next row shares nearly all of it).
    """
    found: list[tuple[Word, Word]] = []
    ordered = sorted(words, key=lambda w: w.y0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.y0 >= a.y1:
                break
            if a.line == b.line:
                continue
            shared = min(a.y1, b.y1) - b.y0
            if (
                shared > share * min(a.y1 - a.y0, b.y1 - b.y0)
                and min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5
            ):
                found.append((a, b))
    return found


def cell_words(grid: SheetGrid) -> collections.Counter[str]:
    """Every word of every cell of the grid (the boxes to tick aside)."""
    words: collections.Counter[str] = collections.Counter()
    for row in grid.rows:
        for value in row:
            text = layout.cell_text(value)
            if text and text != TICK:
                words.update(text.split())
    return words


def missing_words(
    grid: SheetGrid, pages: list[tuple[tuple[float, float], list[Word]]]
) -> list[str]:
    """The words of the grid's cells not printed as often as the grid has them.

    A word wrapped inside itself (an e-mail cut at the end of a line) prints as two
    words, the first ending a line: those pairs are joined back before counting.
    """
    printed: collections.Counter[str] = collections.Counter()
    for _size, words in pages:
        lines: dict[int, list[Word]] = collections.defaultdict(list)
        for w in words:
            lines[w.line].append(w)
        printed.update(w.text for w in words)
        for a in words:  # the last word of a line, the first of a line below it, same column
            for b in words:
                if b.y0 > a.y1 - 1 and b.y0 < a.y1 + 15 and abs(b.x0 - lines[a.line][0].x0) < 80:
                    printed[a.text + b.text] += 1
    wanted = cell_words(grid)
    return sorted(w for w, n in wanted.items() if printed[w] < n)


def header_on_every_page(
    grid: SheetGrid, pages: list[tuple[tuple[float, float], list[Word]]]
) -> list[int]:
    """The pages (1-based) without the grid's header row (all its words on one line)."""
    if not grid.header_rows:
        return []
    header = [w for v in grid.rows[grid.header_rows[0]] for w in layout.cell_text(v).split()]
    lacking: list[int] = []
    for n, (_size, words) in enumerate(pages, start=1):
        first = [w for w in words if w.text == header[0]]
        if not any(
            all(any(w.text == h and abs(w.y0 - f.y0) < 3 for w in words) for h in header)
            for f in first
        ):
            lacking.append(n)
    return lacking


def assert_prints_well(pdf: Path, grid: SheetGrid, min_pages: int = 1) -> None:
    pages = pages_of(pdf)
    assert len(pages) >= min_pages, f"{pdf.name}: {len(pages)} page(s)"
    for n, (size, words) in enumerate(pages, start=1):
        assert abs(size[0] - A4_LANDSCAPE[0]) < 2 and abs(size[1] - A4_LANDSCAPE[1]) < 2, size
        bad = overlaps(words)
        assert not bad, (
            f"{pdf.name} page {n}: overlapping text {[(a.text, b.text) for a, b in bad[:5]]}"
        )
        assert any(re.fullmatch(rf"{n}", w.text) for w in words), (
            f"{pdf.name}: no page number on {n}"
        )
    assert not header_on_every_page(grid, pages), f"{pdf.name}: pages without the header row"
    assert not missing_words(grid, pages), (
        f"{pdf.name}: words missing {missing_words(grid, pages)[:10]}"
    )


def only_sheet(xlsx: Path, sheet: str, out: Path) -> Path:
    """A copy of ``xlsx`` where every sheet but ``sheet`` is hidden: LibreOffice prints only it.

    Only workbook.xml changes (the sheet's own part is the one the tool wrote, byte for byte).
    """
    with zipfile.ZipFile(xlsx) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                names = re.findall(r'<sheet [^>]*name="([^"]*)"', text)
                index = names.index(sheet)

                def hide(m: re.Match[str]) -> str:
                    tag = re.sub(r'\sstate="[^"]*"', "", m[0])
                    if f'name="{sheet}"' in tag:
                        return tag
                    return tag.replace("<sheet ", '<sheet state="hidden" ', 1)

                text = re.sub(r"<sheet [^>]*/>", hide, text)
                text = re.sub(r'activeTab="\d+"', f'activeTab="{index}"', text)
                if "activeTab" not in text:
                    text = text.replace("<workbookView ", f'<workbookView activeTab="{index}" ', 1)
                data = text.encode("utf-8")
            dst.writestr(item, data)
    return out


@pytest.fixture
def example(tmp_path: Path) -> Path:
    from cbpt_sheets.ooxml import template

    return template.create_workbook(tmp_path / "exemple.xlsx", example=True, today=TODAY)


def _broken(make_workbook: Callable[..., Path]) -> Path:
    """A workbook with many findings, their messages long: Contrôles over several pages."""
    organisations = [
        {
            "Nom": f"Association culturelle et sportive du quartier numéro {i}",
            "Standard": f"01 45 {i:02d}",
            "Email interlocuteur": f"contact-{i}@exemple",
            "Type": "Entreprize",
        }
        for i in range(1, 36)
    ]
    return make_workbook("controles.xlsx", organisations=organisations)


# ---------------------------------------------------------------- the sheets, printed by LibreOffice


@pytest.mark.slow
@pytest.mark.libreoffice
def test_generated_sheets_print_every_line_with_their_header(
    example: Path, make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    require_soffice()
    day = TODAY
    source = operations.open_file(example, write=True)
    suivi = operations.followup_list(source, day, sink=source.sink()).grid
    source = operations.open_file(example, write=True)
    fiche = operations.call_brief(source, "Clinique du Parc Montsouris", day, source.sink()).grid
    broken = _broken(make_workbook)
    source = operations.open_file(broken, write=True)
    controls = operations.verify(source, day, source.sink()).grid
    assert len(controls.rows) > 60
    listed = tmp_path / "liste.xlsx"
    result = CliRunner().invoke(
        cli,
        ["followup", str(example), "--today", day.isoformat(), "--volunteer", "Claire",
         "--format", "xlsx", "--output", str(listed)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    filtered = operations.followup_list(
        operations.open_file(example), day, operations.FollowUpFilters(volunteer="Claire")
    ).grid
    cases = [
        (only_sheet(example, "Suivi", tmp_path / "suivi.xlsx"), suivi, 2),
        (only_sheet(example, "Fiche", tmp_path / "fiche.xlsx"), fiche, 1),
        (only_sheet(broken, "Contrôles", tmp_path / "controles-seuls.xlsx"), controls, 2),
        (listed, filtered, 1),
    ]
    outdir = tmp_path / "pdf"
    outdir.mkdir()
    for xlsx, grid, min_pages in cases:
        pdf = convert_to_pdf(xlsx, outdir)
        assert_prints_well(pdf, grid, min_pages)
    # the volunteer of a filtered list is printed at the top of every page
    pages = pages_of(outdir / "liste.pdf")
    assert all("Bénévole" in [w.text for w in words if w.y1 < 60] for _s, words in pages)


def test_the_exported_list_is_laid_out_as_the_suivi_sheet(example: Path, tmp_path: Path) -> None:
    """One look: the same values, heights, print titles, header and footer in both."""
    listed = tmp_path / "liste.xlsx"
    result = CliRunner().invoke(
        cli, ["followup", str(example), "--today", TODAY.isoformat(), "--write",
              "--format", "xlsx", "--output", str(listed)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    suivi = openpyxl.load_workbook(example)["Suivi"]
    exported = openpyxl.load_workbook(listed)["Suivi"]
    for ws in (suivi, exported):
        assert ws.print_title_rows == "$3:$3"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.oddFooter.right.text == "Page &P sur &N"
        # the footer names the list and carries the generated-sheet mark (issue 13)
        assert ws.oddFooter.left.text == (
            "Liste de suivi au 01/12/2026 – feuille générée par cbpt-sheets"
        )
    assert [[c.value for c in r] for r in suivi.iter_rows()] == [
        [c.value for c in r] for r in exported.iter_rows()
    ]
    heights = [suivi.row_dimensions[r].height for r in range(1, suivi.max_row + 1)]
    assert heights == [exported.row_dimensions[r].height for r in range(1, suivi.max_row + 1)]
    assert max(h for h in heights if h) >= 4 * layout.LINE_HEIGHT  # long actions: several lines
    assert exported["A2"].alignment.wrap_text is not True  # the subtitle runs across, uncut


# ---------------------------------------------------------------- the PDFs of --format pdf


@pytest.mark.slow
def test_followup_and_brief_pdf_print_every_line_with_their_header(
    example: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    listed = tmp_path / "liste.pdf"
    result = runner.invoke(
        cli, ["followup", str(example), "--today", TODAY.isoformat(), "--format", "pdf",
              "--output", str(listed)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert listed.read_bytes().startswith(b"%PDF-")
    grid = operations.followup_list(operations.open_file(example), TODAY).grid
    assert_prints_well(listed, grid, min_pages=2)
    # one box to tick per action, none on the other rows
    boxes = sum(1 for row in grid.rows if row and row[0] == TICK)
    actions = sum(1 for row in grid.rows if len(row) > 3 and row[0] == TICK and row[3])
    assert boxes == actions > 20
    brief = tmp_path / "fiche.pdf"
    result = runner.invoke(
        cli, ["brief", str(example), "ORG-0007", "--today", TODAY.isoformat(), "--format", "pdf",
              "--output", str(brief)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    fiche = operations.call_brief(operations.open_file(example), "ORG-0007", TODAY).grid
    assert_prints_well(brief, fiche)
    # the same list twice: the same bytes
    again = tmp_path / "encore.pdf"
    runner.invoke(cli, ["followup", str(example), "--today", TODAY.isoformat(), "--format", "pdf",
                        "--output", str(again)])  # fmt: skip
    assert again.read_bytes() == listed.read_bytes()


def test_pdf_needs_an_output_file(example: Path) -> None:
    runner = CliRunner()
    for args in (["followup", str(example)], ["brief", str(example), "ORG-0007"]):
        result = runner.invoke(cli, [*args, "--format", "pdf"])
        assert result.exit_code == 2 and "--output" in result.output


def test_an_empty_list_prints_its_line_without_a_box(
    tmp_path: Path, make_workbook: Callable[..., Path]
) -> None:
    path = make_workbook("vide.xlsx", organisations=[])
    pdf = tmp_path / "vide.pdf"
    result = CliRunner().invoke(cli, ["followup", str(path), "--today", TODAY.isoformat(),
                                      "--format", "pdf", "--output", str(pdf)])  # fmt: skip
    assert result.exit_code == 0, result.output
    grid = operations.followup_list(operations.open_file(path), TODAY).grid
    assert not any(TICK in row for row in grid.rows)
    assert_prints_well(pdf, grid)
    words = [w.text for _s, ws in pages_of(pdf) for w in ws]
    assert "Rien" in words and TICK not in words


# ---------------------------------------------------------------- the measures


def font_table(path: Path) -> bytes:
    """The advance widths of ``fontwidths`` computed from a font file (fontTools)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        cmap = font.getBestCmap()
        hmtx = font["hmtx"]
        assert font["head"].unitsPerEm == 2048
        out = b""
        for start, end in fontwidths.RANGES:
            for code in range(start, end):
                glyph = cmap.get(code)
                out += (hmtx[glyph][0] if glyph else 0).to_bytes(2, "big")
    return out


def test_the_width_table_is_the_shipped_font() -> None:
    assert font_table(FONT_DIR / "DejaVuSans.ttf") == fontwidths.REGULAR
    assert font_table(FONT_DIR / "DejaVuSans-Bold.ttf") == fontwidths.BOLD
    assert (FONT_DIR / "LICENSE-DejaVu.txt").read_text().count("Bitstream") > 3


def test_wrapping_counts_lines_as_a_spreadsheet_does() -> None:
    assert layout.wrap_text("un deux trois", room=100) == ["un deux trois"]
    lines = layout.wrap_text("Appeler Mme Chantal Dumont le 30/11/2026 au 01 45 51 97 31", room=20)
    assert (
        len(lines) == 3
        and " ".join(lines) == "Appeler Mme Chantal Dumont le 30/11/2026 au 01 45 51 97 31"
    )
    assert all(layout.text_width(line) <= 20 for line in lines)
    cut = layout.wrap_text(
        "coordination@msp-pernety-tres-long.fr", room=10
    )  # a word cut by characters
    assert "".join(cut) == "coordination@msp-pernety-tres-long.fr" and len(cut) >= 3
    glued = "à\u00a0faire"  # a non-breaking space holds
    assert layout.wrap_text(f"{glued} ici", room=layout.text_width(glued) + 0.1) == [glued, "ici"]
    grid = SheetGrid(name="Suivi", rows=[["x", "mot " * 40], [], ["Titre"]], widths=[5, 20],
                     title_rows=[2], wrap_columns=[0, 1])  # fmt: skip
    heights = layout.row_heights(grid)
    assert heights[0] is not None and heights[0] >= 8 * layout.LINE_HEIGHT
    assert heights[1] is None and heights[2] == pytest.approx(layout.line_height(14), abs=0.01)
    assert layout.cell_text(dt.date(2026, 12, 1)) == "01/12/2026"


# ---------------------------------------------------------------- the template's Organisations


@pytest.mark.slow
@pytest.mark.libreoffice
def test_organisations_folds_to_its_key_columns_for_printing(example: Path, tmp_path: Path) -> None:
    """The other columns are one outline group: folded (button « 1 »), the sheet prints its key
    columns, every organisation's name whole, on one page width; unfolded on screen."""
    from cbpt_sheets.core.schema import ORGANISATIONS
    from cbpt_sheets.ooxml.template import PRINTED_KEYS

    wb = openpyxl.load_workbook(example)
    ws = wb["Organisations"]
    levels = {
        c.key: ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].outlineLevel
        for i, c in enumerate(ORGANISATIONS.columns)
    }
    assert {k for k, level in levels.items() if not level} == set(PRINTED_KEYS)
    assert not any(d.hidden for d in ws.column_dimensions.values())  # unfolded on screen
    require_soffice()
    for i, c in enumerate(ORGANISATIONS.columns):  # what the « 1 » button does
        if c.key not in PRINTED_KEYS:
            ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].hidden = True
    for name in wb.sheetnames:
        if name != "Organisations":
            wb[name].sheet_state = "hidden"
    folded = tmp_path / "plie.xlsx"
    wb.save(folded)
    outdir = tmp_path / "pdf"
    outdir.mkdir()
    pages = pages_of(convert_to_pdf(folded, outdir))
    words = [w.text for _s, ws_ in pages for w in ws_]
    assert "Adresse" not in words and "Prochaine" in words and "Interlocuteur" in words
    names = [row[1].value for row in ws.iter_rows(min_row=2) if row[1].value]
    printed = " ".join(words)
    assert len(names) > 20 and all(n in printed for n in names)
    assert all(not overlaps(ws_) for _s, ws_ in pages)


def test_a_pdf_is_written_whole_with_the_umask(example: Path, tmp_path: Path) -> None:
    import os

    out = tmp_path / "liste.pdf"
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(cli, ["followup", str(example), "--today", TODAY.isoformat(),
                                          "--format", "pdf", "--output", str(out)])  # fmt: skip
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o644
    # nothing else left behind (the workbook's lock file stays on Linux, empty: README)
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".cbpt-lock"))
    assert left == ["exemple.xlsx", "liste.pdf"]
    missing = tmp_path / "absent" / "liste.pdf"
    result = CliRunner().invoke(cli, ["brief", str(example), "ORG-0007", "--format", "pdf",
                                      "--output", str(missing)])  # fmt: skip
    assert result.exit_code == 3 and "n'existe pas" in result.output and "absent" in result.output


def test_a_long_word_is_cut_in_one_pass() -> None:
    """A 40 000-character word (a pasted text with no space): pieces within the room, and
    each character measured about once (the cut was quadratic: minutes of --write)."""
    from cbpt_sheets.render.layout import text_width, wrap_text

    calls = 0

    def measure(text: str) -> float:
        nonlocal calls
        calls += 1
        return text_width(text)

    word = "A" * 40_000
    lines = wrap_text("EHPAD Les Tilleuls " + word, 30.0, measure)
    assert "".join(lines[1:]) == word and lines[0] == "EHPAD Les Tilleuls"
    assert all(text_width(line) <= 30.0 for line in lines)
    assert calls < 2 * len(word) + 100
