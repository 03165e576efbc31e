"""The file side of reading a workbook: the safety checks, then calamine, in threads.

``open_book(path)`` checks the file at once (it exists, is a zip, does not declare
a huge size) and starts the reading in threads: the inspection of every part
(XML bombs, damage, Excel error cells) and calamine's parsing of the sheets. Both
run mostly outside the GIL, so the caller can meanwhile import the rest of the
package, and the Python work on one sheet overlaps the parsing of the next.
This module imports only the standard library and defusedxml (calamine on first
reading), so that the command line can start the reading before importing pydantic
and the rules. Where threads cannot start (Pyodide, under xlwings Lite), the same
steps run one after the other in the caller's thread (``start``).
"""

from __future__ import annotations

import io
import os
import re
import sys
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cbpt_sheets.core.a1 import column_number, split_ref
from cbpt_sheets.core.schema import DATA_SHEETS, FORMULA_NO_VALUE, match_sheet
from cbpt_sheets.errors import UnreadableWorkbook, os_error_fr
from cbpt_sheets.ooxml.package import (
    MAX_UNPACKED_BYTES,
    declared_too_big,
    rels_path,
    resolve,
    sheet_parts,
)

# Pyodide (xlwings Lite, Excel for the web) cannot start threads.
THREADS = sys.platform != "emscripten"


def calamine(path: Path) -> Any:
    """The python_calamine module, imported on first reading (absent under xlwings Lite)."""
    try:
        import python_calamine
    except ImportError as exc:
        raise UnreadableWorkbook(
            f"« {path.name} » ne peut pas être lu ici : la lecture des fichiers "
            "demande le module python-calamine, absent de cette installation (xlwings "
            "Lite lit le classeur ouvert dans Excel, sans lui)."
        ) from exc
    return python_calamine


def start(thread: threading.Thread, run: Callable[[], None]) -> bool:
    """Start ``thread``; where threads cannot start, call ``run`` here instead. True if started."""
    if THREADS:
        try:
            thread.start()
            return True
        except RuntimeError:  # "can't start new thread"
            pass
    run()
    return False


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NO_VALUE = FORMULA_NO_VALUE

_P = rb"(?:[\w.-]+:)?"  # any namespace prefix of an element
_CELL = re.compile(rb"<" + _P + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"c\s*>)", re.S)
_ROW_TAG = re.compile(rb"<" + _P + rb"row\b([^>]*?)(/?)>")
_ROW_END = re.compile(rb"</" + _P + rb"row\s*>")
_REF = re.compile(rb"(?:^|\s)r\s*=\s*[\"']([A-Za-z]{1,3})(\d+)[\"']")
_ROW_NUM = re.compile(rb"(?:^|\s)r\s*=\s*[\"'](\d+)[\"']")
_TYPE_ERROR = re.compile(rb"(?:^|\s)t\s*=\s*[\"']e[\"']")
_FORMULA = re.compile(rb"<" + _P + rb"f\b")
_VALUE = re.compile(rb"<" + _P + rb"v\s*>([^<]*)</" + _P + rb"v\s*>")
_INLINE = re.compile(rb"<" + _P + rb"is\b")
_MERGE = re.compile(rb"<" + _P + rb"mergeCell\b[^>]*?\sref\s*=\s*[\"']([^\"']+)[\"']")


_SAVE_AS = "enregistrez-le au format « Classeur Excel (.xlsx) »"
_FORMATS = {  # what a file is, by a name inside its zip, for the message naming it
    "word/": "un document Word (.docx)",
    "ppt/": "une présentation PowerPoint (.pptx)",
    "Index/": "un classeur Apple Numbers (.numbers)",
}
_OD_KINDS = {
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.text": "un document texte OpenDocument (.odt)",
    b"application/vnd.oasis.opendocument.presentation": "une présentation OpenDocument (.odp)",
}


def _other_format(path: Path, what: str, how: str) -> UnreadableWorkbook:
    return UnreadableWorkbook(
        f"« {path.name} » est {what}, pas un classeur Excel. {how}, puis relancez la commande "
        "avec le fichier .xlsx."
    )


def _numbers(path: Path) -> UnreadableWorkbook:
    return _other_format(
        path,
        "un classeur Apple Numbers (.numbers)",
        "Dans Numbers, choisissez Fichier > Exporter vers > Excel…, format « .xlsx »",
    )


def _sniff_text(path: Path, head: bytes) -> UnreadableWorkbook:
    """The refusal of a file that is not a zip: its format named when it is recognised."""
    start = head.lstrip().lower()
    what = None
    if head.startswith(b"%PDF"):
        what = "un document PDF"
    elif head.startswith(b"{\\rtf"):
        what = "un document RTF"
    elif start.startswith((b"<!doctype html", b"<html")):
        what = "une page web (HTML)"
    elif start.startswith(b"<?xml"):
        what = "un fichier XML (peut-être « Feuille de calcul XML 2003 »)"
    elif head and not head.startswith(b"PK") and b"\0" not in head:
        what = "un fichier texte (CSV ou autre)"
    if what is None:
        return UnreadableWorkbook(
            f"« {path.name} » n'est pas un classeur Excel (.xlsx) lisible : le fichier est "
            "abîmé ou d'un autre format (CSV, PDF…). Enregistrez-le depuis Excel au format "
            "« Classeur Excel (.xlsx) »."
        )
    return _other_format(path, what, f"Ouvrez-le dans Excel ou LibreOffice et {_SAVE_AS}")


def sniff(path: Path) -> tuple[str, bytes | None]:
    """What the file is: ``("xlsx", None)``; ``("xlsx", bytes)`` for a package whose entry
    names use backslashes (the bytes: the same package with ``/``); ``("ods" | "xls", None)``.

    Raises UnreadableWorkbook, naming the format and what to do, for anything else, and
    for a package with two entries of one name (which of the two counts is ambiguous).
    """
    if not path.exists():
        raise UnreadableWorkbook(f"Le fichier « {path} » n'existe pas.")
    if path.is_dir():
        if path.suffix.lower() == ".numbers" or (path / "Index.zip").exists():
            raise _numbers(path)
        raise UnreadableWorkbook(f"« {path} » est un dossier, pas un classeur Excel.")
    if not path.is_file():  # a pipe or a device: opening it could wait for ever
        raise UnreadableWorkbook(
            f"« {path} » n'est pas un fichier ordinaire (tube, périphérique…), pas un classeur Excel."
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise UnreadableWorkbook(f"Impossible d'ouvrir « {path} » : {os_error_fr(exc)}.") from exc
    if head.startswith(_OLE_MAGIC):
        try:
            with path.open("rb") as fh:
                ole = fh.read(1 << 20)
        except OSError as exc:
            raise UnreadableWorkbook(
                f"Impossible d'ouvrir « {path} » : {os_error_fr(exc)}."
            ) from exc
        if b"EncryptedPackage" in ole or "EncryptedPackage".encode("utf-16-le") in ole:
            raise UnreadableWorkbook(
                f"« {path.name} » est protégé par un mot de passe. Ouvrez-le dans Excel, "
                f"retirez le mot de passe et {_SAVE_AS}."
            )
        return "xls", None
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _sniff_text(path, head) from exc
    with archive:
        infos = archive.infolist()
        if declared_too_big(infos):
            raise UnreadableWorkbook(
                f"« {path.name} » se décompresse en un volume anormalement grand : il est "
                "refusé par prudence (fichier piégé ou corrompu)."
            )
        names = [i.filename.replace("\\", "/") for i in infos]
        folded = [n.lower() for n in names]
        if len(set(folded)) != len(folded):
            twice = next(n for n in names if folded.count(n.lower()) > 1)
            raise UnreadableWorkbook(
                f"« {path.name} » contient deux fois la partie {twice} : on ne sait pas "
                "laquelle lire, il est refusé par prudence (fichier abîmé ou piégé). Ouvrez-le "
                f"dans Excel ou LibreOffice et {_SAVE_AS} sous un autre nom."
            )
        if "mimetype" in names:
            kind = _OD_KINDS.get(archive.read("mimetype").strip())
            if kind == "ods":
                return "ods", None
            if kind is not None:
                raise _other_format(path, kind, f"Ouvrez-le dans LibreOffice et {_SAVE_AS}")
        if "xl/workbook.xml" not in folded and not any(
            n.startswith("xl/") and n.endswith("workbook.xml") for n in folded
        ):
            for start, what in _FORMATS.items():
                if any(n.startswith(start) for n in names):
                    if start == "Index/":
                        raise _numbers(path)
                    raise _other_format(path, what, f"Ouvrez-le et {_SAVE_AS}")
            raise UnreadableWorkbook(
                f"« {path.name} » n'est pas un classeur Excel : c'est une archive zip d'un autre "
                f"contenu. Ouvrez le classeur d'origine dans Excel et {_SAVE_AS}."
            )
        if names == [i.filename for i in infos]:
            return "xlsx", None
        buffer = io.BytesIO()  # backslash names (Excel opens them): a copy with "/"
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for info, name in zip(infos, names, strict=True):
                out.writestr(name, archive.read(info))
        return "xlsx", buffer.getvalue()


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open an .xlsx file as a zip after the quick checks (``sniff``); an .ods or .xls file,
    or another format, is refused with a French message saying what to do.

    The unpacking of every part (measured sizes, XML bombs, damage) is ``Inspection``'s,
    beside the reading.
    """
    kind, data = sniff(path)
    if kind != "xlsx":
        raise UnreadableWorkbook(
            f"« {path.name} » est au format .{kind} : cette opération demande un classeur "
            f"Excel. Ouvrez-le dans Excel ou LibreOffice et {_SAVE_AS}."
        )
    return zipfile.ZipFile(io.BytesIO(data) if data is not None else path)


_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
# What makes a sheet part worth a second look (``scan_sheet``): an Excel error cell, a
# merged range, a formula that may have no stored value, a namespace prefix.
_MARKERS = (b't="e"', b"t='e'", b"mergeCell", b"</f></c>", b"/></c>", b"<v></v>", b"<v/>",
            b":sheetData", b"</f>\n", b"</f>\r", b"</f> ")  # fmt: skip


def _inspect_parts(archive: zipfile.ZipFile, name: str) -> set[str]:
    """Unpack every XML part once, as a stream: refuse DTDs (XML bombs), oversize and damage.

    Declared sizes can lie; this counts the bytes really unpacked and lets zipfile
    check each part's CRC. It runs beside calamine (see ``Inspection``) and before
    any other XML parser (openpyxl, the writer's expat) sees the file.
    Returns the parts where an Excel error cell (``t="e"``) may be, so that only
    those are read again for them.
    """
    flagged: set[str] = set()
    total = 0
    markers = _MARKERS
    for info in archive.infolist():
        if not info.filename.lower().endswith(_XML_SUFFIXES):
            continue
        tail = b""
        try:
            with archive.open(info) as fh:
                while chunk := fh.read(4 << 20):
                    total += len(chunk)
                    if total > MAX_UNPACKED_BYTES:
                        raise UnreadableWorkbook(
                            f"« {name} » se décompresse en un volume anormalement grand : il "
                            "est refusé par prudence (fichier piégé ou corrompu)."
                        )
                    window = tail + chunk
                    if info.filename not in flagged and any(m in window for m in markers):
                        flagged.add(info.filename)
                    if any(marker in window for marker in _DTD_MARKERS):
                        raise UnreadableWorkbook(
                            f"« {name} » contient des définitions XML (DOCTYPE, ENTITY) qu'un "
                            "classeur Excel n'a jamais : il est refusé par prudence (fichier "
                            "piégé ou corrompu)."
                        )
                    tail = chunk[-16:]
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            NotImplementedError,
            RuntimeError,
        ) as exc:
            raise UnreadableWorkbook(
                f"« {name} » est endommagé : une de ses parties ({info.filename}) ne se "
                "décompresse pas correctement. Ouvrez-le dans Excel pour le réparer, ou "
                "repartez de la dernière copie."
            ) from exc
    return flagged


class Inspection:
    """``_inspect_parts`` in a thread of its own, beside calamine's reading.

    Both mostly unpack and parse outside the GIL, so on two cores the inspection
    costs no wall time. Its verdict comes first: ``flagged`` waits for it, a reader
    waiting for a sheet stops as soon as it fails (``failed``), and ``settle``
    raises its error in place of any error the reading met meanwhile. What runs
    beside it is calamine alone, whose XML parser expands no entity and whose zip
    reader stops at the declared sizes, checked before either starts: a bomb costs
    at most what those sizes allow. The inspection reads through its own handle.
    """

    def __init__(self, path: Path, data: bytes | None = None, enabled: bool = True) -> None:
        self._path = path
        self._data = data  # the package's bytes when read from memory (backslash names)
        self._found: set[str] = set()
        self._error: BaseException | None = None
        self.failed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cbpt-inspection", daemon=True)
        if not enabled:  # not a zip (.xls): calamine's own reader is all there is
            self._thread = threading.Thread(target=lambda: None, daemon=True)
        self._started = start(self._thread, self._run if enabled else (lambda: None))

    def _run(self) -> None:
        try:
            source = io.BytesIO(self._data) if self._data is not None else self._path
            with zipfile.ZipFile(source) as archive:
                self._found = _inspect_parts(archive, self._path.name)
        except BaseException as exc:  # handed to the reading thread by settle()
            if not isinstance(exc, UnreadableWorkbook | OSError | zipfile.BadZipFile):
                exc = UnreadableWorkbook(
                    f"« {self._path.name} » est endommagé et ne peut pas être lu. Ouvrez-le "
                    "dans Excel pour le réparer, ou repartez de la dernière copie."
                )
            self._error = exc
            self.failed.set()

    def settle(self) -> None:
        """Wait for the inspection; raise its error if it found the file unsafe or damaged."""
        if self._started:
            self._thread.join()
        error = self._error
        if error is None:
            return
        if isinstance(error, UnreadableWorkbook):
            raise error
        raise UnreadableWorkbook(
            f"Impossible de lire « {self._path.name} » : {os_error_fr(error)}."
            if isinstance(error, OSError)
            else f"« {self._path.name} » n'est pas un classeur Excel (.xlsx) lisible."
        ) from error

    def flagged(self) -> set[str]:
        """The parts where an Excel error cell may be (after the inspection passed)."""
        self.settle()
        return self._found


def scan_sheet(data: bytes) -> tuple[dict[tuple[int, int], str], list[str]]:
    """The cells calamine reads as empty that are not: ((row, col index) -> literal), and the
    merged ranges (``"C12:C14"``) of one worksheet part.

    The literal is the Excel error (``#REF!``) or ``NO_VALUE`` for a formula with no
    stored value. Any namespace prefix; rows and cells without ``r=`` take the next
    position, as the standard says.
    """
    merges = [m[1].decode("ascii", "replace") for m in _MERGE.finditer(data)]
    out: dict[tuple[int, int], str] = {}
    row = 0
    pos = 0
    while True:
        rm = _ROW_TAG.search(data, pos)
        if rm is None:
            break
        num = _ROW_NUM.search(rm[1])
        row = int(num[1]) if num else row + 1
        if rm[2]:  # <row/>
            pos = rm.end()
            continue
        end = _ROW_END.search(data, rm.end())
        stop = end.start() if end else len(data)
        body = data[rm.end() : stop]
        pos = end.end() if end else len(data)
        if not (b"<" in body and (_FORMULA.search(body) or _TYPE_ERROR.search(body))):
            continue
        col = 0
        for cm in _CELL.finditer(body):
            ref = _REF.search(cm[1])
            col = column_number(ref[1].decode().upper()) if ref else col + 1
            inner = cm[2] or b""
            value = _VALUE.search(inner)
            if _TYPE_ERROR.search(cm[1]):
                literal = value[1].decode("utf-8", "replace") if value else NO_VALUE
                out[(row, col - 1)] = literal or NO_VALUE
            elif _FORMULA.search(inner) and not (value and value[1]) and not _INLINE.search(inner):
                out[(row, col - 1)] = NO_VALUE
    return out, merges


_ATTR = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _attrs(raw: bytes) -> dict[str, str]:
    """The attributes of a start tag (not unescaped: names, numbers and references here)."""
    return {
        m[1].decode(): (m[2] if m[2] is not None else m[3]).decode("utf-8", "replace")
        for m in _ATTR.finditer(raw)
    }


def _table_totals(archive: zipfile.ZipFile, part: str) -> set[int]:
    """The rows (1-based) of the total rows of the Excel tables of a worksheet part."""
    try:
        rels = archive.read(rels_path(part))
    except KeyError:
        return set()
    rows: set[int] = set()
    for tag in re.finditer(rb"<" + _P + rb"Relationship\b([^>]*)>", rels):
        rel = _attrs(tag[1])
        if rel.get("TargetMode") == "External" or not rel.get("Type", "").endswith("/table"):
            continue
        try:
            xml = archive.read(resolve(part, rel.get("Target", "")))
        except KeyError:
            continue
        head = re.search(rb"<" + _P + rb"table\b([^>]*)>", xml)
        if head is None:
            continue
        a = _attrs(head[1])
        count = a.get("totalsRowCount", "0")
        if not count.isdigit() or int(count) == 0 or ":" not in a.get("ref", ""):
            continue
        try:
            last = split_ref(a["ref"].split(":")[1].replace("$", ""))[0]
        except ValueError:
            continue
        rows.update(range(last - int(count) + 1, last + 1))
    return rows


_DATA_KEYS = frozenset(s.key for s in DATA_SHEETS)
# A sheet part smaller than this is not worth a thread of its own (the thread opens a
# calamine workbook of its own, which parses the shared strings a second time).
_READ_AHEAD_MIN_BYTES = 1 << 20
_POLL_SECONDS = 0.02  # how often a reader waiting for a sheet looks at the inspection


_DIMENSION = re.compile(
    rb"<" + _P + rb"dimension\b[^>]*?ref\s*=\s*[\"'][A-Za-z$]*\d*:?\$?([A-Za-z]*)\$?(\d+)"
)
MAX_READ_COLUMN = 256  # IV, the old Excel limit; the widest CBPT sheet has fewer than 40
# a cell whose column is past MAX_READ_COLUMN: three letters, or two from JA on
_FAR_LETTERS = rb"(?:[A-Za-z]{3}|[J-Zj-z][A-Za-z]|[Ii][W-Zw-z])"  # IW (257) and beyond
_FAR_COLUMN = re.compile(rb"\br\s*=\s*[\"']" + _FAR_LETTERS + rb"\d+[\"']")
_FAR_CELL = re.compile(
    rb"<" + _P + rb"c\b[^>]*?\br\s*=\s*[\"']" + _FAR_LETTERS + rb"\d+[\"'][^>]*?"
    rb"(?:/>|>.*?</" + _P + rb"c\s*>)",
    re.S,
)
_DIMENSION_TAG = re.compile(rb"<" + _P + rb"dimension\b[^>]*/>")
_ROW_MIN_BYTES = 20  # the fewest bytes a row takes: <row r="1"><c r="A1"/></row>
_TRIM_GAP = 1_000
_TRIM_SMALL_PART = 8 << 20  # a run of empty rows longer than this is left out of the reading
_EMPTY_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData/></worksheet>'
)


@dataclass
class Trim:
    """A sheet part with its long runs of empty rows taken out, and where each row was.

    Calamine lays a sheet out as a full rectangle: one stray cell on row 1 048 576
    costs a million empty rows (about 750 MB for a 16-column sheet). The trimmed part
    numbers its rows 1, 2, ... up to each gap, then goes on after the gap; ``rows``
    gives the real row of each (``rows[i]`` for trimmed row ``i + 1``).
    """

    xml: bytes
    rows: list[int]

    @classmethod
    def of(cls, xml: bytes) -> Trim | None:
        """The trimmed part, or None when the sheet has no long run of empty rows and no
        cell past column ``MAX_READ_COLUMN`` (such cells are left out of the reading:
        one stray cell in column XFD would make calamine lay out 16 384 columns)."""
        far = _FAR_COLUMN.search(xml) is not None
        if far:
            xml = _FAR_CELL.sub(b"", xml)
        tags = list(_ROW_TAG.finditer(xml))
        numbers: list[int] = []
        row = 0
        for tag in tags:
            num = _ROW_NUM.search(tag[1])
            row = int(num[1]) if num else row + 1
            numbers.append(row)
        gaps = [i for i in range(1, len(numbers)) if numbers[i] - numbers[i - 1] > _TRIM_GAP]
        if not gaps:
            if far:
                return cls(
                    _DIMENSION_TAG.sub(b"", xml, 1), list(range(1, max(numbers, default=0) + 1))
                )
            return None
        shift_at = dict.fromkeys(range(len(numbers)), 0)
        shift = 0
        for i in range(1, len(numbers)):
            if numbers[i] - numbers[i - 1] > _TRIM_GAP:
                shift += numbers[i] - numbers[i - 1] - 1
            shift_at[i] = shift
        out: list[bytes] = []
        pos = 0
        for i, tag in enumerate(tags):
            if not shift_at[i]:
                continue
            new = numbers[i] - shift_at[i]
            end = _ROW_END.search(xml, tag.end()) if not tag[2] else None
            stop = end.end() if end else tag.end()
            element = xml[tag.start() : stop]
            digits = b"%d" % new

            def row_num(m: re.Match[bytes], n: bytes = digits) -> bytes:
                return m[0].replace(m[1], n)

            def cell_ref(m: re.Match[bytes], n: bytes = digits) -> bytes:
                return m[0].replace(m[1] + m[2], m[1] + n)

            element = _REF.sub(cell_ref, _ROW_NUM.sub(row_num, element, 1))
            out.append(xml[pos : tag.start()])
            out.append(element)
            pos = stop
        out.append(xml[pos:])
        trimmed = _DIMENSION_TAG.sub(b"", b"".join(out), 1)  # calamine sizes by the cells
        real = list(range(1, numbers[0])) if numbers else []
        for i, number in enumerate(numbers):
            if i and not (numbers[i] - numbers[i - 1] > _TRIM_GAP):
                real.extend(range(numbers[i - 1] + 1, number))
            real.append(number)
        return cls(trimmed, real)


class PendingBook:
    """A workbook file being read: its sheets come as calamine rows once parsed.

    The quick checks run in the caller's thread and raise at once. Then three
    threads start: the inspection, one reading the largest data sheet, one reading
    the other sheets the reader needs (the first sheet of each data sheet and of
    Paramètres) in workbook order. ``rows(name)`` waits for one sheet (and hands it
    over: the book keeps no copy); ``finish()`` waits for everything and raises the
    inspection's error first, whatever the reading met meanwhile: an unsafe or
    damaged file says so. Each thread reads through a calamine workbook of its own
    (one workbook cannot be read by two threads at once). ``close()`` (or a ``with``
    block) lets the threads end on their own, when the reading is abandoned.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.names: list[str] = []
        self.parts: dict[str, str] = {}
        self._results: dict[str, list[list[Any]] | BaseException] = {}
        self._ready: dict[str, threading.Event] = {}
        self._threads: list[threading.Thread] = []
        self._scans: dict[str, tuple[dict[tuple[int, int], str], list[str]]] = {}
        self._trims: dict[str, Trim] = {}
        self.format, self._data = sniff(self.path)  # "xlsx", "ods" or "xls"
        self._archive: zipfile.ZipFile | None = None
        if self.format == "xlsx":
            data = self._data
            self._archive = zipfile.ZipFile(io.BytesIO(data) if data is not None else self.path)
        try:
            self._inspection = Inspection(self.path, self._data, self.format != "xls")
        except BaseException:
            if self._archive is not None:
                self._archive.close()
            raise
        try:
            self._start()
        except BaseException as exc:
            if isinstance(exc, Exception):
                self.finish()  # the inspection's error, if any, takes the place of this one
            else:
                self.close()
            raise

    def __enter__(self) -> PendingBook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start(self) -> None:
        name = self.path.name
        try:
            self.parts = sheet_parts(self._archive) if self._archive is not None else {}
        except Exception as exc:
            raise UnreadableWorkbook(
                f"« {name} » est endommagé : sa description interne (xl/workbook.xml) est "
                "illisible. Ouvrez-le dans Excel pour le réparer, ou repartez de la dernière copie."
            ) from exc
        book = self._open_calamine()
        try:
            self.names = list(book.sheet_names)
            wanted: dict[str, str] = {}  # key -> the first sheet for it, as the reader takes it
            for sheet in self.names:
                key = match_sheet(sheet)
                if (key in _DATA_KEYS or key == "settings") and key not in wanted:
                    wanted[key] = sheet
            for sheet in wanted.values():
                self._ready[sheet] = threading.Event()
                trim = self._trim_of(sheet)
                if trim is not None:
                    self._trims[sheet] = trim
            largest = self._largest(list(wanted.values()))
            if largest is not None:
                self._spawn(None, [largest])
            self._spawn(book, [n for n in wanted.values() if n != largest])
        except BaseException:
            book.close()
            raise

    def _trim_of(self, sheet: str) -> Trim | None:
        """The sheet's rows without their long runs of empty rows, when it has such runs.

        Looked for in a part too small for the rows its extent (``<dimension>``) declares
        (a real row takes at least 20 bytes), or without a declared extent and small
        enough to be unpacked at once: its last row against its count of rows. A
        common sheet is not unpacked here.
        """
        part = self.parts.get(sheet)
        if self._archive is None or part is None:
            return None
        try:
            info = self._archive.getinfo(part)
            with self._archive.open(info) as fh:
                head = fh.read(4096)
            m = _DIMENSION.search(head)
            far = m is not None and column_number(m[1].decode("ascii")) > MAX_READ_COLUMN
            fits = m is not None and info.file_size >= int(m[2]) * _ROW_MIN_BYTES
            # A big part whose extent is plausible is read as it is; a small one is looked
            # at whatever it declares (a cell written past its extent by another tool).
            if info.file_size > _TRIM_SMALL_PART and not far and (m is None or fits):
                return None
            xml = self._archive.read(info)
        except (KeyError, zipfile.BadZipFile, zlib.error, OSError, EOFError):
            return None  # the inspection says what is wrong
        last = None
        start = xml.rfind(b"<row")
        if start < 0 or b":row" in xml[start:]:  # a namespace prefix: look at the whole tail
            start = max(0, len(xml) - (1 << 20))
        for tag in _ROW_TAG.finditer(xml, start):
            num = _ROW_NUM.search(tag[1])
            last = int(num[1]) if num else last
        count = xml.count(b"<row") + xml.count(b":row")
        if (last is None or last <= count + _TRIM_GAP) and not _FAR_COLUMN.search(xml):
            return None
        return Trim.of(xml)

    def _calamine_for(self, name: str) -> Any:
        """A calamine workbook over a copy of the package whose sheet ``name`` is trimmed."""
        trim = self._trims[name]
        assert self._archive is not None
        buffer = io.BytesIO()
        part = self.parts[name]
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for info in self._archive.infolist():
                if info.filename == part:
                    out.writestr(info.filename, trim.xml)
                elif not info.filename.startswith("xl/worksheets/") or info.filename.endswith(
                    ".rels"
                ):
                    out.writestr(info.filename, self._archive.read(info))
                else:  # the other sheets: empty (only this one is read from the copy)
                    out.writestr(info.filename, _EMPTY_SHEET)
        trim.xml = b""
        return calamine(self.path).CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue()))

    def _open_calamine(self) -> Any:
        python_calamine = calamine(self.path)
        try:
            if self._data is not None:
                return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self._data))
            if self.path.suffix.lower().lstrip(".") != self.format:
                # an .ods or .xls saved under another name: calamine picks its reader by
                # the name's suffix, but by the content from a file object
                with self.path.open("rb") as fh:
                    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
            return python_calamine.CalamineWorkbook.from_path(str(self.path))
        except python_calamine.PasswordError as exc:
            raise UnreadableWorkbook(
                f"« {self.path.name} » est protégé par un mot de passe."
            ) from exc
        except Exception as exc:
            raise UnreadableWorkbook(
                f"« {self.path.name} » est endommagé et ne peut pas être lu. Ouvrez-le dans "
                "Excel pour le réparer, ou repartez de la dernière copie."
            ) from exc

    def _largest(self, names: list[str]) -> str | None:
        """The data sheet whose part is the largest, when it is worth a thread of its own."""
        sizes: dict[str, int] = {}
        if self._archive is None:
            return None
        for name in names:
            part = self.parts.get(name)
            if part is None or match_sheet(name) not in _DATA_KEYS:
                continue
            try:
                sizes[name] = self._archive.getinfo(part).file_size
            except KeyError:
                continue
        if not sizes:
            return None
        name = max(sizes, key=lambda n: sizes[n])
        return name if sizes[name] > _READ_AHEAD_MIN_BYTES else None

    def _spawn(self, book: Any, names: list[str]) -> None:
        """Read ``names`` in a new thread, with ``book`` (which the thread then owns) or its own."""

        def run() -> None:
            source = book
            try:
                if source is None:
                    source = self._open_calamine()
                for name in names:
                    self._results[name] = self._read(source, name)
                    self._ready[name].set()
            except BaseException as exc:  # handed over by rows()
                for name in names:
                    if not self._ready[name].is_set():
                        self._results[name] = exc
                        self._ready[name].set()
            finally:
                if source is not None:
                    source.close()

        thread = threading.Thread(target=run, name="cbpt-read", daemon=True)
        if start(thread, run):
            self._threads.append(thread)

    def _read(self, book: Any, name: str) -> list[list[Any]] | BaseException:
        try:
            if name in self._trims:
                own = self._calamine_for(name)
                try:
                    rows: list[list[Any]] = own.get_sheet_by_name(name).to_python(
                        skip_empty_area=False
                    )
                finally:
                    own.close()
                return rows
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            error = UnreadableWorkbook(
                f"La feuille « {name} » de « {self.path.name} » est endommagée et ne peut pas "
                "être lue. Ouvrez le classeur dans Excel pour le réparer, ou repartez de la "
                "dernière copie."
            )
            error.__cause__ = exc
            return error
        return rows

    def rows(self, name: str) -> list[list[Any]]:
        """A sheet's values from A1, row by row, as calamine gives them ("" for empty).

        Each sheet is handed over once. If the inspection fails meanwhile, its error
        is raised at once.
        """
        ready = self._ready.get(name)
        if ready is None:
            raise KeyError(name)
        failed = self._inspection.failed
        while not ready.wait(_POLL_SECONDS):
            if failed.is_set():
                self._inspection.settle()
        result = self._results.pop(name)
        if isinstance(result, BaseException):
            self._inspection.settle()  # its verdict comes first
            raise result
        return result

    def _scan(self, name: str) -> tuple[dict[tuple[int, int], str], list[str]]:
        if name not in self._scans:
            part = self.parts.get(name)
            flagged = self._inspection.flagged()
            found: tuple[dict[tuple[int, int], str], list[str]] = ({}, [])
            if self._archive is not None and part is not None and part in flagged:
                try:
                    found = scan_sheet(self._archive.read(part))
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
                    raise UnreadableWorkbook(
                        f"« {self.path.name} » a changé ou s'est abîmé pendant la lecture. "
                        "Fermez-le dans Excel et relancez la commande."
                    ) from exc
            self._scans[name] = found
        return self._scans[name]

    def errors(self, name: str) -> dict[tuple[int, int], str]:
        """The sheet's Excel error cells and formulas without a stored value,
        (row, column index) -> literal (``NO_VALUE`` for the latter); calamine reads "".
        """
        return self._scan(name)[0]

    def merges(self, name: str) -> list[str]:
        """The sheet's merged ranges (``"C12:C14"``)."""
        return self._scan(name)[1]

    def totals(self, name: str) -> set[int]:
        """The rows (1-based) of the total rows of the sheet's Excel tables."""
        part = self.parts.get(name)
        if self._archive is None or part is None:
            return set()
        try:
            return _table_totals(self._archive, part)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            return set()

    def rows_kept(self, name: str) -> list[int] | None:
        """For a trimmed sheet, the real row (1-based) of each row ``rows(name)`` gives."""
        trim = self._trims.get(name)
        return None if trim is None else trim.rows

    def finish(self) -> None:
        """Wait for the threads and close the file; raise the inspection's error if it found one.

        The inspection is waited for first: when it refuses the file, the reading
        threads are not waited for (they end on their own, closing their workbooks).
        """
        try:
            self._inspection.settle()
            for thread in self._threads:
                thread.join()
        finally:
            self.close()

    def close(self) -> None:
        """Close the file without waiting: threads still reading end on their own."""
        self._results.clear()
        if self._archive is not None:
            self._archive.close()


def open_book(path: str | os.PathLike[str]) -> PendingBook:
    """Check a workbook file and start reading it (raises UnreadableWorkbook at once if unfit)."""
    return PendingBook(path)
