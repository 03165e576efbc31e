"""Read a workbook file into raw rows and typed models (fr or en, columns in any order).

Values are read with python-calamine (about ten times faster than openpyxl's
read-only mode). Its blind spot, Excel error cells read as empty strings, is
covered by a scan of the sheet XML for ``t="e"`` cells.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import python_calamine

from . import dataset
from .errors import UnreadableWorkbook, os_error_fr
from .models import RawWorkbook, SheetData, Workbook, gc_paused
from .schema import (
    DATA_SHEETS,
    LANGS,
    SETTINGS,
    SHEETS_BY_KEY,
    fold,
    match_header,
    match_sheet,
)
from .xlsx import sheet_parts

MAX_UNPACKED_BYTES = 1_000_000_000  # a workbook unpacking to more than this is refused
MAX_RATIO = 200  # and so is a part compressed more than this (zip bomb)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ERROR_CELL = re.compile(
    rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*/>|<f[^>]*>.*?</f>)?<v>([^<]*)</v>', re.S
)
_ERROR_CELL_ANY = re.compile(
    rb"<c ([^>]*?)t=\"e\"([^>]*)>(?:<f[^>]*/>|<f[^>]*>.*?</f>)?<v>([^<]*)</v>", re.S
)
_REF = re.compile(rb'r="([A-Z]+)(\d+)"')


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _open_zip(path: Path, flagged: set[str] | None = None, inspect: bool = True) -> zipfile.ZipFile:
    """Open the file as a zip after the checks that make an untrusted file safe to read.

    ``flagged`` receives the parts that may hold Excel error cells (``t="e"``).
    ``inspect=False`` leaves out the unpacking of every part (``_Inspection`` does it
    beside the reading); the declared sizes are still checked.
    """
    if not path.exists():
        raise UnreadableWorkbook(f"Le fichier « {path} » n'existe pas.")
    if path.is_dir():
        raise UnreadableWorkbook(f"« {path} » est un dossier, pas un classeur Excel.")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise UnreadableWorkbook(f"Impossible d'ouvrir « {path} » : {os_error_fr(exc)}.") from exc
    if head == _OLE_MAGIC:
        raise UnreadableWorkbook(
            f"« {path.name} » est protégé par un mot de passe ou enregistré dans l'ancien "
            "format .xls. Ouvrez-le dans Excel, retirez le mot de passe et enregistrez-le "
            "au format « Classeur Excel (.xlsx) »."
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableWorkbook(
            f"« {path.name} » n'est pas un classeur Excel (.xlsx) lisible : le fichier est "
            "abîmé ou d'un autre format (CSV, PDF…). Enregistrez-le depuis Excel au format "
            "« Classeur Excel (.xlsx) »."
        ) from exc
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNPACKED_BYTES or (info.file_size > 50_000_000 and ratio > MAX_RATIO):
            archive.close()
            raise UnreadableWorkbook(
                f"« {path.name} » se décompresse en un volume anormalement grand : il est "
                "refusé par prudence (fichier piégé ou corrompu)."
            )
    if "xl/workbook.xml" not in archive.namelist():
        archive.close()
        raise UnreadableWorkbook(
            f"« {path.name} » n'est pas un classeur Excel : la partie xl/workbook.xml manque."
        )
    if not inspect:
        return archive
    try:
        found = _inspect_parts(archive, path.name)
    except BaseException:
        archive.close()
        raise
    if flagged is not None:
        flagged.update(found)
    return archive


_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_ERROR_MARKER = b't="e"'


def _inspect_parts(archive: zipfile.ZipFile, name: str) -> set[str]:
    """Unpack every XML part once, as a stream: refuse DTDs (XML bombs), oversize and damage.

    Declared sizes can lie; this counts the bytes really unpacked and lets zipfile
    check each part's CRC, before any XML parser (calamine, openpyxl) sees the file.
    Returns the parts where an Excel error cell (``t="e"``) may be, so that only
    those are read again for them.
    """
    flagged: set[str] = set()
    total = 0
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
                    if _ERROR_MARKER in window:
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


class _Inspection:
    """``_inspect_parts`` in a thread of its own, beside calamine's reading.

    Both mostly unpack and parse outside the GIL, so on two cores the inspection
    costs no wall time. Its verdict still comes first: ``flagged`` waits for it, and
    ``settle`` raises its error in place of any error the reading met meanwhile.
    The inspection reads through its own handle on the file. A bomb cannot cost
    more than before: the declared sizes are checked before either starts, and
    both readers stop at them.
    """

    def __init__(self, path: Path) -> None:
        import threading

        self._path = path
        self._found: set[str] = set()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="cbpt-inspection", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with zipfile.ZipFile(self._path) as archive:
                self._found = _inspect_parts(archive, self._path.name)
        except BaseException as exc:  # handed to the reading thread by settle()
            if not isinstance(exc, UnreadableWorkbook | OSError | zipfile.BadZipFile):
                exc = UnreadableWorkbook(
                    f"« {self._path.name} » est endommagé et ne peut pas être lu. Ouvrez-le "
                    "dans Excel pour le réparer, ou repartez de la dernière copie."
                )
            self._error = exc

    def settle(self) -> None:
        """Wait for the inspection; raise its error if it found the file unsafe or damaged."""
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


class _ReadAhead:
    """One sheet (the largest) read by calamine in a thread, while the others are read and cleaned.

    calamine parses outside the GIL, so on two cores the biggest sheet's parsing
    overlaps the Python work on the other sheets. The thread reads through a
    calamine workbook of its own (one workbook cannot be read by two threads).
    """

    def __init__(
        self,
        path: Path,
        name: str | None,
        read_sheet: Callable[[Any, str], list[list[Any]]],
    ) -> None:
        import threading

        self.name = name
        self._result: list[list[Any]] | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if name is None:
            return

        def run() -> None:
            try:
                book = python_calamine.CalamineWorkbook.from_path(str(path))
                try:
                    self._result = read_sheet(book, name)
                finally:
                    book.close()
            except BaseException as exc:  # handed over by rows()
                self._error = exc

        self._thread = threading.Thread(target=run, name="cbpt-read-ahead", daemon=True)
        self._thread.start()

    def rows(self, name: str) -> list[list[Any]] | None:
        """The rows read ahead for ``name``, or None when that sheet is not the one read ahead."""
        if name != self.name:
            return None
        self.settle()
        if self._error is not None:
            raise self._error
        return self._result

    def settle(self, quiet: bool = False) -> None:
        """Wait for the thread (``quiet``: while another error is on its way)."""
        if self._thread is not None:
            self._thread.join()
        if not quiet and self._error is not None:
            raise self._error


def _largest_data_sheet(archive: zipfile.ZipFile, parts: dict[str, str]) -> str | None:
    """The name of the data sheet whose part is the largest, worth reading ahead."""
    sizes: dict[str, int] = {}
    for name, part in parts.items():
        if match_sheet(name) not in _DATA_KEYS:
            continue
        try:
            sizes[name] = archive.getinfo(part).file_size
        except KeyError:
            continue
    if not sizes:
        return None
    name = max(sizes, key=lambda n: sizes[n])
    return name if sizes[name] > _READ_AHEAD_MIN_BYTES else None


_DATA_KEYS = frozenset(s.key for s in DATA_SHEETS)
_READ_AHEAD_MIN_BYTES = 1 << 20  # below this a thread costs more than it saves


def _convert(value: Any) -> Any:
    """Calamine values to the reader's: whole floats to int, empty strings to None."""
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        if 0 <= seconds < 86400:
            return dt.time(seconds // 3600, (seconds // 60) % 60, seconds % 60)
    return value


def _error_cells(
    archive: zipfile.ZipFile, part: str | None, flagged: set[str] | None = None
) -> dict[tuple[int, int], str]:
    """(row, col index) -> Excel error literal, for the cells calamine reads as empty.

    ``flagged``: the parts the inspection saw ``t="e"`` in (None: read the part to know).
    """
    if part is None or part not in archive.namelist():
        return {}
    if flagged is not None and part not in flagged:
        return {}
    data = archive.read(part)
    if b't="e"' not in data:
        return {}
    out: dict[tuple[int, int], str] = {}
    for m in _ERROR_CELL_ANY.finditer(data):
        ref = _REF.search(m[1] + m[2])
        if ref is None:
            continue
        out[(int(ref[2]), _col_index(ref[1].decode()))] = m[3].decode("utf-8", "replace")
    return out


def _find_header(key: str, rows: list[list[Any]]) -> int:
    """The 0-based index of the header row (row 1 for a Table at A1).

    A title above the table is tolerated: among the first rows, the one whose cells
    name the most known columns wins; with none, the first non-blank row.
    """
    first: int | None = None
    best, best_hits = 0, 0
    for i, row in enumerate(rows[:20]):
        if first is None and any(c not in (None, "") for c in row):
            first = i
        hits = sum(1 for c in row if isinstance(c, str) and match_header(key, c) is not None)
        if hits > best_hits:
            best, best_hits = i, hits
    return best if best_hits else (first or 0)


def _read_data_sheet(
    key: str, name: str, rows: list[list[Any]], errors: dict[tuple[int, int], str]
) -> SheetData:
    """A data sheet's known columns, read column by column (each a list of cleaned values).

    A row is kept when a known column holds a value or an Excel error; a row whose
    known columns are blank but whose other cells hold something is kept only when
    it has an Excel error somewhere (as before: nothing to check on it otherwise).
    """
    start = _find_header(key, rows)
    header_cells = rows[start] if rows else []
    headers = ["" if c is None else str(c) for c in header_cells]
    columns: dict[str, int] = {}
    unknown: list[int] = []
    duplicates: list[tuple[str, int]] = []
    for index, header in enumerate(headers):
        if not header.strip():
            continue
        col_key = match_header(key, header)
        if col_key is None:
            unknown.append(index)
        elif col_key in columns:
            duplicates.append((col_key, index))
        else:
            columns[col_key] = index
    sheet = SheetData(key, name, columns, headers, unknown, duplicates, header_row=start + 1)
    body = rows[start + 1 :]
    keys = list(columns)
    indexes = list(columns.values())
    reach = max(indexes) + 1 if indexes else 0
    if body and min(map(len, body)) < reach:  # ragged rows (xlwings): pad them
        body = [cells if len(cells) >= reach else [*cells, *[None] * (reach - len(cells))] for cells in body]  # fmt: skip
    data = [_clean_column(list(map(operator.itemgetter(index), body))) for index in indexes]
    # Excel errors of known columns, by position in body
    error_by_pos: dict[int, dict[str, str]] = {}
    errors_anywhere: set[int] = set()
    key_of = {index: col_key for col_key, index in columns.items()}
    first_body_row = start + 2  # the Excel row of body[0]
    for (r, c), literal in errors.items():
        pos = r - first_body_row
        if not 0 <= pos < len(body):
            continue
        errors_anywhere.add(pos)
        col_key = key_of.get(c)
        if col_key is not None:
            error_by_pos.setdefault(pos, {})[col_key] = literal
    n_known = len(keys)
    if n_known:
        kept = [
            i for i, cells in enumerate(zip(*data, strict=True)) if cells.count(None) != n_known
        ]
    else:
        kept = []
    extra = [
        pos
        for pos in errors_anywhere
        if pos in error_by_pos or any(_convert(c) is not None for c in body[pos][: len(headers)])
    ]
    if extra:
        kept = sorted(set(kept).union(extra))
    if len(kept) != len(body):
        if kept:
            take = operator.itemgetter(*kept)
            data = [list(take(column)) if len(kept) > 1 else [column[kept[0]]] for column in data]
        else:
            data = [[] for _ in data]
    sheet.numbers = [pos + first_body_row for pos in kept]
    sheet.data = dict(zip(keys, data, strict=True))
    if error_by_pos:
        position = {pos: i for i, pos in enumerate(kept)}
        sheet.cell_errors = {position[pos]: errs for pos, errs in error_by_pos.items()}
    return sheet


_AS_IS = frozenset((dt.date, dt.datetime, dt.time, int, bool))  # what _convert keeps as is


def _clean_column(column: list[Any]) -> list[Any]:
    """A column's calamine values as the reader gives them: blank text None, whole floats int."""
    str_ = str
    convert = _convert_cell
    return [
        (None if not x or x.isspace() else x)
        if x.__class__ is str_
        else (x if x.__class__ in _AS_IS or x is None else convert(x))
        for x in column
    ]


def _convert_cell(value: Any) -> Any:
    """``_convert`` for a cell that is neither text nor empty; blank text still None."""
    value = _convert(value)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _read_settings(raw: RawWorkbook, rows: list[list[Any]]) -> None:
    labels: dict[str, str] = {}
    for setting in SETTINGS:
        for label in (setting.key, setting.fr, setting.en):
            labels[fold(label)] = setting.key
    volunteers_col = libraries_col = None
    header_names = {fold(h): h for h in ("Bénévoles", "Volunteers", "Bibliothèques", "Libraries")}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if not isinstance(value, str):
                continue
            folded = fold(value)
            if folded in labels and c + 1 < len(row):
                key = labels[folded]
                raw.settings[key] = _convert(row[c + 1])
                raw.settings_cells[key] = f"{_letters(c + 1)}{r + 1}"
            elif (
                folded in header_names
                and volunteers_col is None
                and folded
                in (
                    fold("Bénévoles"),
                    fold("Volunteers"),
                )
            ):
                volunteers_col = (r, c)
            elif (
                folded in header_names
                and libraries_col is None
                and folded
                in (
                    fold("Bibliothèques"),
                    fold("Libraries"),
                )
            ):
                libraries_col = (r, c)
    for where, target in ((volunteers_col, raw.volunteers), (libraries_col, raw.libraries)):
        if where is None:
            continue
        r0, c0 = where
        for row in rows[r0 + 1 :]:
            value = _convert(row[c0]) if c0 < len(row) else None
            if value is None:
                continue
            text = str(value).strip()
            if text:
                target.append(text)


def _letters(index: int) -> str:
    from .models import column_letter

    return column_letter(index)


def assemble(
    path: str,
    names: list[str],
    rows_of: Callable[[str], list[list[Any]]],
    errors_of: Callable[[str, list[list[Any]]], dict[tuple[int, int], str]],
) -> RawWorkbook:
    """The raw workbook of a book's sheets, whoever read them (a file, or Excel via xlwings).

    ``rows_of(name)`` gives a sheet's rows from A1; ``errors_of(name, rows)`` its Excel
    error cells, (row, column index) -> literal. Only the data sheets and Paramètres
    are asked for; the language is the one most sheet names are in.
    """
    raw = RawWorkbook(path, "fr", list(names), {})
    langs = dict.fromkeys(LANGS, 0)
    data_keys = {s.key for s in DATA_SHEETS}
    for name in names:
        key = match_sheet(name)
        if key is None:
            continue
        spec = SHEETS_BY_KEY[key]
        for lang in LANGS:
            if spec.fr != spec.en and fold(spec.name(lang)) == fold(name):
                langs[lang] += 1
        if key == "settings":
            if not raw.settings_cells:
                _read_settings(raw, rows_of(name))
        elif key in data_keys and key not in raw.sheets:
            rows = rows_of(name)
            raw.sheets[key] = _read_data_sheet(key, name, rows, errors_of(name, rows))
    raw.lang = "en" if langs["en"] > langs["fr"] else "fr"
    return raw


def read_raw(path: str | os.PathLike[str]) -> RawWorkbook:
    """Read a workbook into raw rows, keeping each value's sheet and cell.

    Raises UnreadableWorkbook, with a French message, when the file cannot be read.
    """
    with gc_paused():
        return _read_raw(Path(path))


def _read_raw(p: Path) -> RawWorkbook:
    archive = _open_zip(p, inspect=False)
    inspection = _Inspection(p)
    ahead: _ReadAhead | None = None
    try:
        try:
            parts = sheet_parts(archive)
        except Exception as exc:
            raise UnreadableWorkbook(
                f"« {p.name} » est endommagé : sa description interne (xl/workbook.xml) est "
                "illisible. Ouvrez-le dans Excel pour le réparer, ou repartez de la dernière copie."
            ) from exc
        try:
            book = python_calamine.CalamineWorkbook.from_path(str(p))
        except python_calamine.PasswordError as exc:
            raise UnreadableWorkbook(f"« {p.name} » est protégé par un mot de passe.") from exc
        except Exception as exc:
            raise UnreadableWorkbook(
                f"« {p.name} » est endommagé et ne peut pas être lu. Ouvrez-le dans Excel pour "
                "le réparer, ou repartez de la dernière copie."
            ) from exc

        def read_sheet(source: Any, name: str) -> list[list[Any]]:
            try:
                rows: list[list[Any]] = source.get_sheet_by_name(name).to_python(
                    skip_empty_area=False
                )
            except Exception as exc:
                raise UnreadableWorkbook(
                    f"La feuille « {name} » de « {p.name} » est endommagée et ne peut pas être "
                    "lue. Ouvrez le classeur dans Excel pour le réparer, ou repartez de la "
                    "dernière copie."
                ) from exc
            return rows

        ahead = _ReadAhead(p, _largest_data_sheet(archive, parts), read_sheet)

        def rows_of(name: str) -> list[list[Any]]:
            rows = ahead.rows(name)
            return read_sheet(book, name) if rows is None else rows

        raw = assemble(
            str(p),
            list(book.sheet_names),
            rows_of,
            lambda name, _rows: _error_cells(archive, parts.get(name), inspection.flagged()),
        )
        ahead.settle()
        book.close()
        inspection.settle()
        return raw
    except BaseException:
        if ahead is not None:
            ahead.settle(quiet=True)
        inspection.settle()  # an unsafe or damaged file says so, whatever the reading met
        raise
    finally:
        archive.close()


def read_workbook(path: str | os.PathLike[str]) -> Workbook:
    """Read a workbook file into typed models (organisations, contacts, appointments, settings)."""
    return dataset.build(read_raw(path))
