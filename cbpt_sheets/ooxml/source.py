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

import os
import re
import sys
import threading
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cbpt_sheets.core.a1 import column_number
from cbpt_sheets.core.schema import DATA_SHEETS, match_sheet
from cbpt_sheets.errors import UnreadableWorkbook, os_error_fr
from cbpt_sheets.ooxml.package import MAX_UNPACKED_BYTES, declared_too_big, sheet_parts

# Pyodide (xlwings Lite, Excel for the web) cannot start threads.
THREADS = sys.platform != "emscripten"


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
_ERROR_CELL_ANY = re.compile(
    rb"<c ([^>]*?)t=\"e\"([^>]*)>(?:<f[^>]*/>|<f[^>]*>.*?</f>)?<v>([^<]*)</v>", re.S
)
_REF = re.compile(rb'r="([A-Z]+)(\d+)"')


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open the file as a zip after the quick checks: a file, not OLE, a zip, sizes declared.

    The unpacking of every part (measured sizes, XML bombs, damage) is ``Inspection``'s,
    beside the reading.
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
    if declared_too_big(archive.infolist()):
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
    return archive


_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_ERROR_MARKER = b't="e"'


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

    def __init__(self, path: Path) -> None:
        self._path = path
        self._found: set[str] = set()
        self._error: BaseException | None = None
        self.failed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cbpt-inspection", daemon=True)
        self._started = start(self._thread, self._run)

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


def error_cells(
    archive: zipfile.ZipFile, part: str | None, flagged: set[str] | None = None
) -> dict[tuple[int, int], str]:
    """(row, col index) -> Excel error literal, for the cells calamine reads as empty.

    ``flagged``: the parts the inspection saw ``t="e"`` in (None: read the part to know).
    """
    if part is None or part not in archive.namelist():
        return {}
    if flagged is not None and part not in flagged:
        return {}
    try:
        data = archive.read(part)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:  # replaced meanwhile
        name = Path(archive.filename or "").name
        raise UnreadableWorkbook(
            f"« {name} » a changé ou s'est abîmé pendant la lecture. Fermez-le dans Excel "
            "et relancez la commande."
        ) from exc
    if b't="e"' not in data:
        return {}
    out: dict[tuple[int, int], str] = {}
    for m in _ERROR_CELL_ANY.finditer(data):
        ref = _REF.search(m[1] + m[2])
        if ref is None:
            continue
        out[(int(ref[2]), column_number(ref[1].decode()) - 1)] = m[3].decode("utf-8", "replace")
    return out


_DATA_KEYS = frozenset(s.key for s in DATA_SHEETS)
# A sheet part smaller than this is not worth a thread of its own (the thread opens a
# calamine workbook of its own, which parses the shared strings a second time).
_READ_AHEAD_MIN_BYTES = 1 << 20
_POLL_SECONDS = 0.02  # how often a reader waiting for a sheet looks at the inspection


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
        self._archive = open_zip(self.path)
        try:
            self._inspection = Inspection(self.path)
        except BaseException:
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
            self.parts = sheet_parts(self._archive)
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
            largest = self._largest(list(wanted.values()))
            if largest is not None:
                self._spawn(None, [largest])
            self._spawn(book, [n for n in wanted.values() if n != largest])
        except BaseException:
            book.close()
            raise

    def _open_calamine(self) -> Any:
        try:
            import python_calamine
        except ImportError as exc:
            raise UnreadableWorkbook(
                f"« {self.path.name} » ne peut pas être lu ici : la lecture des fichiers "
                "demande le module python-calamine, absent de cette installation (xlwings "
                "Lite lit le classeur ouvert dans Excel, sans lui)."
            ) from exc
        try:
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
            rows: list[list[Any]] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
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

    def errors(self, name: str) -> dict[tuple[int, int], str]:
        """The sheet's Excel error cells, (row, column index) -> literal (calamine reads "")."""
        return error_cells(self._archive, self.parts.get(name), self._inspection.flagged())

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
        self._archive.close()


def open_book(path: str | os.PathLike[str]) -> PendingBook:
    """Check a workbook file and start reading it (raises UnreadableWorkbook at once if unfit)."""
    return PendingBook(path)
