"""The package side of an erasure (RGPD): shared strings, every sheet's text, traces, kept copies.

    sheet_texts(path) -> {sheet name: rows from A1}      every sheet, as calamine reads it
    shared_strings_scrubber(pattern) -> hook              for ``writer.write_changes(scrub=...)``
    package_traces(path, pattern) -> [part names]         what still holds a trace
    kept_copies(path) -> [Path]                           every backup or version of the workbook
    purge_copies(path) -> [Path]                          deletes them

Blanking a cell leaves its text in the shared strings table (``xl/sharedStrings.xml``),
which cells reference by position: the scrubber empties the entries that hold a trace
and that no cell references any more (positions, and so every other cell, unchanged),
and recounts the references.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cbpt_sheets.errors import UnreadableWorkbook
from cbpt_sheets.ooxml import files
from cbpt_sheets.ooxml import sheetxml as sx
from cbpt_sheets.ooxml.files import glob_escape
from cbpt_sheets.ooxml.package import rels_path, resolve, workbook_part

if TYPE_CHECKING:
    from cbpt_sheets.ooxml.writer import _Package

_TAG = re.compile(r"<[^>]+>")
_V = re.compile(rb"<(?:[\w.-]+:)?v>\s*(\d+)\s*</(?:[\w.-]+:)?v>")


def sheet_texts(path: str | os.PathLike[str]) -> dict[str, list[list[Any]]]:
    """Every sheet's values from A1 (calamine: cached values of formulas, "" when empty)."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise UnreadableWorkbook(f"« {Path(path).name} » ne peut pas être lu.") from exc
    try:
        out: dict[str, list[list[Any]]] = {}
        for name in book.sheet_names:
            try:
                out[name] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception:  # a chart sheet, or a sheet calamine cannot read: no cells
                out[name] = []
        return out
    finally:
        book.close()


def _shared_strings_part(pkg: _Package) -> str | None:
    wb_part = workbook_part(pkg.archive)
    for rel in sx.relationships(pkg.get(rels_path(wb_part))):
        if rel.type.endswith("/sharedStrings") and not rel.external:
            return resolve(wb_part, rel.target)
    return None


def _references(pkg: _Package) -> tuple[set[int], int]:
    """The shared string positions the worksheets' cells use, and the number of such cells."""
    used: set[int] = set()
    count = 0
    for name in pkg.names():
        low = name.lower()
        if not (low.startswith("xl/worksheets/") and low.endswith(".xml")):
            continue
        xml = pkg.get(name) or b""
        p = sx._prefix(xml, b"sheetData")
        for cm in sx._element(p, b"c").finditer(xml):
            if sx.attrs(cm[1]).get("t") != "s" or not cm[2]:
                continue
            m = _V.search(cm[2])
            if m:
                used.add(int(m[1]))
                count += 1
    return used, count


def scrub_shared_strings(pkg: _Package, pattern: re.Pattern[str]) -> int:
    """Empty the shared strings that hold a trace and that no cell uses; returns how many."""
    part = _shared_strings_part(pkg)
    xml = pkg.get(part) if part else None
    if not part or not xml:
        return 0
    used, count = _references(pkg)
    p = sx._prefix(xml, b"sst")
    si = sx._element(p, b"si")
    emptied = 0
    out: list[bytes] = []
    pos = 0
    for index, m in enumerate(si.finditer(xml)):
        body = (m[2] or b"").decode("utf-8", "replace")
        if index in used or not pattern.search(unescape(_TAG.sub("", body))):
            continue
        out.append(xml[pos : m.start()])
        out.append(b"<%ssi><%st/></%ssi>" % (p, p, p))
        pos = m.end()
        emptied += 1
    if not emptied:
        return 0
    out.append(xml[pos:])
    new = b"".join(out)
    head = re.search(rb"<" + re.escape(p) + rb"sst\b[^>]*>", new)
    if head is not None and re.search(rb"\scount\s*=", head[0]):
        tag = re.sub(rb'(\scount\s*=\s*)"\d*"', b'\\g<1>"%d"' % count, head[0])
        new = new[: head.start()] + tag + new[head.end() :]
    pkg.put(part, new)
    return emptied


def shared_strings_scrubber(pattern: re.Pattern[str] | None) -> Callable[[_Package], None]:
    """The hook ``write_changes(scrub=...)`` calls once the cells are patched."""

    def scrub(pkg: _Package) -> None:
        if pattern is not None:
            scrub_shared_strings(pkg, pattern)

    return scrub


def package_traces(path: str | os.PathLike[str], pattern: re.Pattern[str] | None) -> list[str]:
    """The zip parts of a workbook where a trace is still found (XML text unescaped)."""
    if pattern is None:
        return []
    found: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data = archive.read(info).decode("utf-8", "replace")
            if pattern.search(data) or pattern.search(unescape(_TAG.sub("", data))):
                found.append(info.filename)
    return found


# ---------------------------------------------------------------- the copies the tool keeps

COPY_PATTERNS = (
    "{stem}.bak{suffix}",  # writer.backup_path: the previous version
    "{stem}.bak*{suffix}",  # numbered or dated earlier versions (suivi.bak.2.xlsx, suivi.bak-1.xlsx)
    "{stem}.v[0-9]*{suffix}",  # suivi.v2.xlsx
    "{stem}.version*{suffix}",
    ".{name}.cbpt-*.tmp",  # a write interrupted before its replace (writer._TMP_TAG)
    ".{stem}.bak*{suffix}.cbpt-*.tmp",  # a backup interrupted while being kept
    "*versions*/{stem}{suffix}",  # a folder of versions beside the workbook
    "*versions*/{stem}[._ -]*{suffix}",
    "*versions*/{stem}[._ -]*{suffix}.cbpt-*.tmp",
)
"""Where earlier copies of ``suivi.xlsx`` may be, relative to its folder (glob patterns):
every file matching one of them is a copy of that workbook the tool made."""


def kept_copies(path: str | os.PathLike[str]) -> list[Path]:
    """Every backup, earlier version or interrupted copy of the workbook, by ``COPY_PATTERNS``.

    Looked for beside the real file when ``path`` is a symbolic link (where the writer
    keeps them)."""
    p = files.real_path(path)
    stem, suffix, name = glob_escape(p.stem), glob_escape(p.suffix), glob_escape(p.name)
    found: dict[Path, None] = {}
    for pattern in COPY_PATTERNS:
        for hit in sorted(p.parent.glob(pattern.format(stem=stem, suffix=suffix, name=name))):
            if hit.is_file() and hit.resolve() != p.resolve():
                found[hit] = None
    for version in files.versions(p):  # NAME.versions/, however the patterns evolve
        found[version] = None
    return list(found)


def purge_copies(path: str | os.PathLike[str], copies: list[Path] | None = None) -> list[Path]:
    """Delete ``copies`` (default: every copy ``kept_copies`` finds); returns them.

    Raises OSError when one cannot be deleted (those before it are gone).
    """
    removed: list[Path] = []
    for copy in kept_copies(path) if copies is None else copies:
        copy.unlink()
        removed.append(copy)
    return removed
