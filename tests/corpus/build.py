"""Build the corpus of unreadable workbooks (each must give exit code 3 and one French message)."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from cbpt_sheets.ooxml import template

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _good(folder: Path) -> Path:
    return template.create_workbook(folder / "bon.xlsx")


def _rewrite(source: Path, target: Path, part: str, data: bytes) -> Path:
    """A copy of a workbook with one part replaced (or added)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != part:
                dst.writestr(info, src.read(info.filename))
        dst.writestr(part, data)
    return target


def _sheet_bomb(source: Path, target: Path) -> Path:
    """A billion-laughs DTD in the first sheet's XML, its entity used in a cell."""
    with zipfile.ZipFile(source) as src:
        xml = src.read("xl/worksheets/sheet1.xml")
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    body = body.replace(b"<v>", b"<v>&lol9;", 1) if b"<v>" in body else body
    body = body.replace(b"ORG", b"&lol9;", 1)
    return _rewrite(source, target, "xl/worksheets/sheet1.xml", BILLION_LAUGHS + body)


def _zip_bomb(source: Path, target: Path, size: int = 60_000_000) -> Path:
    """A workbook whose first sheet unpacks to ``size`` bytes of blanks (ratio about 1000)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = src.read(info.filename)
                with dst.open(info.filename, "w", force_zip64=True) as fh:
                    fh.write(xml[: xml.index(b"<sheetData")])
                    chunk = b" " * 1_000_000
                    for _ in range(size // len(chunk)):
                        fh.write(chunk)
                    fh.write(xml[xml.index(b"<sheetData") :])
            else:
                dst.writestr(info, src.read(info.filename))
    return target


def build_corpus(folder: Path) -> dict[str, Path]:
    """Write every broken file into ``folder``; name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    good = _good(folder)
    data = good.read_bytes()
    out: dict[str, Path] = {}
    out["missing"] = folder / "absent.xlsx"
    directory = folder / "dossier.xlsx"
    directory.mkdir(exist_ok=True)
    out["directory"] = directory
    out["not-a-zip"] = folder / "texte.xlsx"
    out["not-a-zip"].write_bytes(b"Ceci n'est pas un classeur.\n")
    out["empty"] = folder / "vide.xlsx"
    out["empty"].write_bytes(b"")
    out["truncated"] = folder / "tronque.xlsx"
    out["truncated"].write_bytes(data[: len(data) // 2])
    out["csv"] = folder / "export.xlsx"
    out["csv"].write_text("Nom;Ville\nHôpital Necker;Paris\n", encoding="utf-8")
    out["encrypted"] = folder / "chiffre.xlsx"
    out["encrypted"].write_bytes(_OLE_MAGIC + bytes(504) + b"EncryptedPackage" + bytes(1024))
    out["not-a-workbook-zip"] = folder / "archive.xlsx"
    with zipfile.ZipFile(out["not-a-workbook-zip"], "w") as z:
        z.writestr("lisez-moi.txt", "bonjour")
    out["malformed-workbook-xml"] = _rewrite(
        good, folder / "workbook-abime.xlsx", "xl/workbook.xml", b"<workbook><sheets><sheet"
    )
    out["malformed-sheet-xml"] = _rewrite(
        good,
        folder / "feuille-abimee.xlsx",
        "xl/worksheets/sheet1.xml",
        b'<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></row>',
    )
    out["bomb-shared-strings"] = _rewrite(
        good,
        folder / "bombe-chaines.xlsx",
        "xl/sharedStrings.xml",
        BILLION_LAUGHS
        + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        b'uniqueCount="1"><si><t>&lol9;</t></si></sst>',
    )
    out["bomb-sheet"] = _sheet_bomb(good, folder / "bombe-feuille.xlsx")
    out["bomb-workbook"] = _rewrite(
        good,
        folder / "bombe-classeur.xlsx",
        "xl/workbook.xml",
        BILLION_LAUGHS + b"<workbook>&lol9;</workbook>",
    )
    out["zip-bomb"] = _zip_bomb(good, folder / "bombe-zip.xlsx")
    # a zip whose central directory is intact but one part's bytes are damaged
    damaged = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + min(info.compress_size, 400) - 10):
        damaged[i] ^= 0x5A
    out["corrupt-part"] = folder / "octets-abimes.xlsx"
    out["corrupt-part"].write_bytes(bytes(damaged))
    good.unlink()
    return out


if __name__ == "__main__":  # pragma: no cover - manual use: python tests/corpus/build.py DIR
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus-out")
    shutil.rmtree(target, ignore_errors=True)
    for name, path in build_corpus(target).items():
        print(f"{name:24} {path}")
