"""Build the corpus of one workbook in the forms other programs save it in (issue 13).

Each form is made from the example workbook ("plain") by editing its zip, or through
LibreOffice (.ods, .xls); the tests read each form to the same values and findings
as the plain file it came from, and write into it::

    build_forms(folder, today) -> {form name: path}   (the plain file is "plain")

Forms that read the same as their plain file: strict, prefixed, no-r, backslash,
total-row. Forms with one expected difference from theirs: merged (a ``merged-cell``
warning), no-value (a ``formula-no-value`` error), nnbsp (phones grouped with
U+202F, read like U+00A0 ones: "nbsp" is its plain file). Refused: duplicate.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

from cbpt_sheets.ooxml import template

T_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
T_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
S_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
S_REL = b"http://purl.oclc.org/ooxml/officeDocument/relationships"

MERGED_RANGE = "C12:C13"  # Appels: two calls to the same organisation, the name shown once
NO_VALUE_CELL = "L3"  # Appels: a call-back date computed by a formula never calculated
TOTAL_ROW = 68  # Appels: the table's total row, under the last call (row 67)
ORG_TOTAL_ROW = 35  # Organisations: the table's total row, under the last organisation

Parts = dict[str, bytes]


def _read(path: Path) -> tuple[list[zipfile.ZipInfo], Parts]:
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        return infos, {i.filename: z.read(i) for i in infos}


def _write(path: Path, parts: Parts, names: Callable[[str], str] = lambda n: n) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(names(name), data)
    return path


def _edit(source: Path, target: Path, edit: Callable[[Parts], None]) -> Path:
    _infos, parts = _read(source)
    edit(parts)
    return _write(target, parts)


def _sheet(parts: Parts, index: int) -> str:
    return f"xl/worksheets/sheet{index}.xml"


def _strict(parts: Parts) -> None:
    """Every namespace and relationship type in Strict Open XML's purl.oclc.org form."""
    for name, data in list(parts.items()):
        if name.endswith((".xml", ".rels")) and not name.startswith("docProps"):
            data = data.replace(T_MAIN, S_MAIN).replace(T_REL, S_REL)
            if name == "xl/workbook.xml":
                data = data.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
            parts[name] = data


_TAG = re.compile(rb"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])")


def _prefixed(parts: Parts) -> None:
    """Sheet XML written with the ``x:`` prefix (``<x:worksheet>``, ``<x:c>``), as .NET writes."""
    for name in list(parts):
        if name.startswith("xl/worksheets/sheet"):
            data = parts[name].replace(b' xmlns="' + T_MAIN, b' xmlns:x="' + T_MAIN, 1)
            parts[name] = _TAG.sub(lambda m: b"<" + m[1] + b"x:" + m[2], data)


_ROW = re.compile(rb"<row\b([^>]*?)(/?)>")
_CELL_R = re.compile(rb'<c r="([A-Z]+)(\d+)"')


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _no_r(parts: Parts) -> None:
    """Rows and cells without ``r=`` wherever the standard lets a writer omit it."""
    for name in list(parts):
        if not name.startswith("xl/worksheets/sheet"):
            continue
        data = parts[name]
        out: list[bytes] = []
        prev_row = 0
        pos = 0
        for m in _ROW.finditer(data):
            out.append(data[pos : m.start()])
            num_m = re.search(rb'\sr="(\d+)"', m[1])
            num = int(num_m[1]) if num_m else prev_row + 1
            head = m[1]
            if num == prev_row + 1 and num_m:
                head = head.replace(num_m[0], b"", 1)
            prev_row = num
            out.append(b"<row" + head + m[2] + b">")
            pos = m.end()
        out.append(data[pos:])
        data = b"".join(out)
        chunks = re.split(rb"(<row\b[^>]*>)", data)
        for i, chunk in enumerate(chunks):
            if not chunk.startswith(b"<row"):
                chunks[i] = _CELL_R.sub(_without_r(), chunk)
        parts[name] = b"".join(chunks)


def _without_r() -> Callable[[re.Match[bytes]], bytes]:
    """A substitution dropping ``r=`` from each cell that follows the one before it."""
    prev = [0]

    def cell(m: re.Match[bytes]) -> bytes:
        col = _col(m[1])
        keep = col != prev[0] + 1
        prev[0] = col
        return m[0] if keep else b"<c"

    return cell


def _merged(parts: Parts) -> None:
    """Appels C12:C13 merged: the name once in C12, C13 empty, a ``<mergeCell>``."""
    name = _sheet(parts, 2)
    data = parts[name]
    last = MERGED_RANGE.split(":")[1]
    data = re.sub(rb'<c r="' + last.encode() + rb'"([^>]*?) t="inlineStr"><is>.*?</is></c>',
                  rb'<c r="' + last.encode() + rb'"\1/>', data, count=1, flags=re.S)  # fmt: skip
    block = b'<mergeCells count="1"><mergeCell ref="' + MERGED_RANGE.encode() + b'"/></mergeCells>'
    parts[name] = data.replace(b"</sheetData>", b"</sheetData>" + block, 1)


def _no_value(parts: Parts) -> None:
    """Appels L3 a formula with no stored value (as openpyxl and pandas save one)."""
    name = _sheet(parts, 2)
    ref = NO_VALUE_CELL.encode()
    data = parts[name]
    m = re.search(rb'<c r="' + ref + rb'"([^>]*?)(?:/>|>.*?</c>)', data, re.S)
    assert m is not None, NO_VALUE_CELL
    head = re.sub(rb'\st="[^"]*"', b"", m[1])
    cell = b'<c r="' + ref + b'"' + head + b"><f>A3+7</f></c>"
    parts[name] = data[: m.start()] + cell + data[m.end() :]


def _phones(space: str) -> Callable[[Parts], None]:
    """Organisations phone numbers grouped with ``space`` instead of a plain space."""

    def edit(parts: Parts) -> None:
        name = _sheet(parts, 1)
        parts[name] = re.sub(
            rb"<t>(0\d) (\d\d) (\d\d) (\d\d) (\d\d)</t>",
            lambda m: ("<t>" + space.join(x.decode() for x in m.groups()) + "</t>").encode(),
            parts[name],
        )

    return edit


def _total_row(parts: Parts) -> None:
    """The Appels table with its total row on: "Total" in Date and Organisation, a SUBTOTAL."""
    name = _sheet(parts, 2)
    row = (
        f'<row r="{TOTAL_ROW}"><c r="A{TOTAL_ROW}" t="inlineStr"><is><t>Total</t></is></c>'
        f'<c r="C{TOTAL_ROW}" t="inlineStr"><is><t>Total</t></is></c>'
        f'<c r="F{TOTAL_ROW}"><f>SUBTOTAL(103,Appels[Résultat])</f><v>66</v></c></row>'
    ).encode()
    data = parts[name].replace(b"</sheetData>", row + b"</sheetData>", 1)
    parts[name] = data.replace(
        b'<dimension ref="A1:P67"/>', f'<dimension ref="A1:P{TOTAL_ROW}"/>'.encode()
    )
    table = parts["xl/tables/table2.xml"]
    table = table.replace(b'ref="A1:P67"', f'ref="A1:P{TOTAL_ROW}"'.encode(), 1)
    table = table.replace(b'headerRowCount="1"', b'headerRowCount="1" totalsRowCount="1"', 1)
    table = table.replace(b'<autoFilter ref="A1:P67"/>', b'<autoFilter ref="A1:P67"/>')
    table = table.replace(b'<tableColumn id="1" name="Date"/>',
                          b'<tableColumn id="1" name="Date" totalsRowLabel="Total"/>')  # fmt: skip
    table = table.replace('<tableColumn id="6" name="Résultat"/>'.encode(),
                          '<tableColumn id="6" name="Résultat" totalsRowFunction="count"/>'.encode())  # fmt: skip
    parts["xl/tables/table2.xml"] = table
    # Organisations too: "Total" in Nom, a SUBTOTAL where the tool writes Échéance
    name = _sheet(parts, 1)
    row = (
        f'<row r="{ORG_TOTAL_ROW}"><c r="B{ORG_TOTAL_ROW}" t="inlineStr"><is><t>Total</t></is></c>'
        f'<c r="Z{ORG_TOTAL_ROW}"><f>SUBTOTAL(103,Organisations[Nom])</f><v>33</v></c></row>'
    ).encode()
    parts[name] = parts[name].replace(b"</sheetData>", row + b"</sheetData>", 1)
    last = ORG_TOTAL_ROW - 1
    table = parts["xl/tables/table1.xml"].replace(
        f'ref="A1:AA{last}"'.encode(), f'ref="A1:AA{ORG_TOTAL_ROW}"'.encode(), 1
    )
    parts["xl/tables/table1.xml"] = table.replace(
        b'headerRowCount="1"', b'headerRowCount="1" totalsRowCount="1"', 1
    )


FIXABLE_CELL = "I2"  # Organisations: a switchboard number written with dots


def _fixable(parts: Parts) -> None:
    name = _sheet(parts, 1)
    parts[name] = re.sub(
        rb'(<c r="I2"[^>]*><is><t>)(0\d) (\d\d) (\d\d) (\d\d) (\d\d)</t>',
        lambda m: m[1] + b".".join(m.groups()[1:]) + b"</t>",
        parts[name],
        count=1,
    )
    assert b"<t>01.45.30.10.10</t>" in parts[name]


def _libreoffice(source: Path, target: Path, filter_name: str) -> Path:
    """``source`` converted by LibreOffice (own profile) to ``target``'s format."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    assert binary is not None, "LibreOffice is needed for the .ods and .xls forms"
    outdir = target.parent / f"lo-{uuid.uuid4().hex[:6]}"
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
             f"{target.suffix[1:]}:{filter_name}", "--outdir", str(outdir), str(source)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        (outdir / (source.stem + target.suffix)).replace(target)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(outdir, ignore_errors=True)
    return target


ZIP_FORMS: dict[str, Callable[[Parts], None]] = {
    "strict": _strict,
    "prefixed": _prefixed,
    "no-r": _no_r,
    "total-row": _total_row,
    "merged": _merged,
    "no-value": _no_value,
    "nbsp": _phones("\u00a0"),
    "nnbsp": _phones("\u202f"),
}
SAME_AS_PLAIN = ("strict", "prefixed", "no-r", "backslash", "total-row")


def build_forms(folder: Path, today: dt.date, office: bool = False) -> dict[str, Path]:
    """Write the plain example and every form of it into ``folder``; name -> path.

    ``office``: also the LibreOffice forms ("ods", "xls"), which take a few seconds.
    """
    folder.mkdir(parents=True, exist_ok=True)
    plain = template.create_workbook(folder / "plain.xlsx", example=True, today=today)
    _edit(plain, plain, _fixable)  # something for check --fix to write in every form
    out = {"plain": plain}
    for name, edit in ZIP_FORMS.items():
        out[name] = _edit(plain, folder / f"{name}.xlsx", edit)
    _infos, parts = _read(plain)
    out["backslash"] = _write(folder / "backslash.xlsx", parts, lambda n: n.replace("/", "\\"))
    dup = folder / "duplicate.xlsx"
    shutil.copy(plain, dup)
    with zipfile.ZipFile(dup, "a") as z:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Duplicate name": the point of this form
            z.writestr("xl/worksheets/sheet2.xml", parts["xl/worksheets/sheet1.xml"])
    out["duplicate"] = dup
    if office:
        out["ods"] = _libreoffice(plain, folder / "plain-lo.ods", "calc8")
        out["xls"] = _libreoffice(plain, folder / "plain-lo.xls", "MS Excel 97")
    return out


if __name__ == "__main__":  # pragma: no cover - manual use: python tests/corpus/forms.py DIR
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "forms-out")
    shutil.rmtree(target, ignore_errors=True)
    for form, path in build_forms(target, dt.date(2026, 12, 1), office=True).items():
        print(f"{form:12} {path}")
