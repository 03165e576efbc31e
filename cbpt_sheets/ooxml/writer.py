"""Safe write-back into the volunteer's workbook: only the owned cells and sheets change.

The file is patched as a zip package: the changed cells are rewritten in their
worksheet XML (see ``sheetxml``), every other part is copied with its content and
zip entry unchanged, so threaded comments, x14 dropdowns and data bars, the ribbon,
macros, custom XML, charts and pictures all survive. Before writing, the writer
refuses while the workbook is open (Excel or LibreOffice lock files, a locked or
read-only file) or changed since it was read; it writes a temporary file in the
same folder, checks it, keeps the previous version as ``NAME.bak.xlsx`` (earlier
ones in ``NAME.versions/``, see ``files``) and replaces the file atomically, so a
crash leaves the old or the new file whole. The whole write holds the workbook's
lock (``files.workbook_lock``); a symbolic link is written through to its file.
A sheet whose relationship points outside the package, or at the part of another
sheet, is refused (SheetXmlError, exit 3).

Public API::

    fingerprint(path) -> Fingerprint           # when the workbook is read
    write_changes(path, cells=..., sheets=..., expected=fp, force=False) -> WriteResult
    ensure_writable(path, force=False)         # raises WorkbookLocked
    backup_path(path) -> Path                  # NAME.bak.xlsx

``force`` overrides a lock file left behind by a crash, never a changed file
(writing over it would lose what was saved meanwhile: read it again instead) nor
a read-only file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import posixpath
import re
import stat
import struct
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

from cbpt_sheets.core.a1 import split_ref
from cbpt_sheets.core.models import SheetGrid
from cbpt_sheets.core.schema import GENERATED_SHEETS, match_sheet
from cbpt_sheets.errors import (
    SheetXmlError,
    StructureError,
    UnreadableWorkbook,
    WorkbookChanged,
    WorkbookLocked,
    os_error_fr,
)
from cbpt_sheets.ooxml import files
from cbpt_sheets.ooxml import sheetxml as sx
from cbpt_sheets.ooxml.files import backup_path as backup_path
from cbpt_sheets.ooxml.files import file_error, real_path, workbook_lock
from cbpt_sheets.ooxml.package import (
    declared_too_big,
    rels_path,
    resolve,
    sheet_parts,
    workbook_part,
)
from cbpt_sheets.render import layout

GENERATED_NAMES = frozenset(n for s in GENERATED_SHEETS for n in (s.fr, s.en))
GENERATED_KEYS = frozenset(s.key for s in GENERATED_SHEETS)
_TMP_TAG = files.TMP_TAG
_STALE_TMP_SECONDS = 3600


@dataclass(frozen=True)
class Fingerprint:
    """What a workbook file was when it was read: size, modification time, SHA-256."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class WriteResult:
    """What a write changed: cells, generated sheets, zip parts, and where the backup is."""

    path: Path
    written: bool
    cells_changed: int = 0
    sheets_written: tuple[str, ...] = ()
    parts_changed: tuple[str, ...] = ()
    backup: Path | None = None


def fingerprint(path: str | os.PathLike[str]) -> Fingerprint:
    """The fingerprint of a workbook file, to detect a change between reading and writing."""
    p = Path(path)
    try:
        data = p.read_bytes()
        st = p.stat()
    except FileNotFoundError as exc:
        raise UnreadableWorkbook(f"Le fichier « {p} » n'existe pas.") from exc
    except OSError as exc:
        raise UnreadableWorkbook(f"Impossible de lire « {p} » : {os_error_fr(exc)}.") from exc
    return Fingerprint(st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


# ---------------------------------------------------------------- locks


def _since(lock: Path) -> str:
    try:
        when = dt.datetime.fromtimestamp(lock.stat().st_mtime)
    except OSError:
        return ""
    return f" depuis le {when:%d/%m/%Y} à {when:%H:%M}"


def _excel_owner(lock: Path) -> str:
    """The user name Excel writes in its owner file ``~$NAME.xlsx`` (empty when unreadable)."""
    try:
        data = lock.read_bytes()[:512]
    except OSError:
        return ""
    if len(data) > 56 and 0 < data[54] <= 54:
        wide = data[56 : 56 + 2 * data[54]]
        try:
            name = wide.decode("utf-16-le").strip("\x00 ")
            if name.isprintable() and name:
                return name
        except UnicodeDecodeError:
            pass
    if data and 0 < data[0] < len(data):
        name = data[1 : 1 + data[0]].decode("cp1252", "replace").strip("\x00 ")
        if name.isprintable():
            return name
    return ""


def _split_lo(text: str) -> list[str]:
    """The fields of a LibreOffice lock line (comma-separated, backslash escapes)."""
    fields, current, escaped = [], "", False
    for ch in text:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",;":
            fields.append(current)
            current = ""
        else:
            current += ch
    fields.append(current)
    return fields


def _lo_owner(lock: Path) -> tuple[str, str]:
    """(who, since) from LibreOffice's ``.~lock.NAME#``: ``who,host,user,date,profile;``."""
    try:
        raw = lock.read_bytes()[:4096].decode("utf-8", "replace")
    except OSError:
        return "", ""
    fields = _split_lo(raw.strip())
    who = fields[0].strip() if fields else ""
    host = fields[1].strip() if len(fields) > 1 else ""
    user = fields[2].strip() if len(fields) > 2 else ""
    when = fields[3].strip() if len(fields) > 3 else ""
    name = who or user
    if host:
        name = f"{name} (poste {host})" if name else f"le poste {host}"
    since = ""
    try:
        stamp = dt.datetime.strptime(when, "%d.%m.%Y %H:%M")
        since = f" depuis le {stamp:%d/%m/%Y} à {stamp:%H:%M}"
    except ValueError:
        since = _since(lock)
    return name, since


def lock_message(path: str | os.PathLike[str]) -> str | None:
    """Why the workbook looks open elsewhere (a French sentence), or None when no lock file."""
    p = Path(path)
    excel = p.with_name("~$" + p.name)
    if excel.exists():
        who = _excel_owner(excel)
        by = f" par {who}" if who else ""
        return (
            f"« {p.name} » est ouvert dans Excel{by}{_since(excel)}. Fermez-le puis relancez "
            f"la commande. S'il n'est ouvert nulle part (le fichier « {excel.name} » est resté "
            "après un arrêt brutal), supprimez ce fichier ou relancez avec --force."
        )
    office = p.with_name(f".~lock.{p.name}#")
    if office.exists():
        who, since = _lo_owner(office)
        by = f" par {who}" if who else ""
        return (
            f"« {p.name} » est ouvert dans LibreOffice{by}{since}. Fermez-le puis relancez "
            f"la commande. S'il n'est ouvert nulle part (le fichier « {office.name} » est resté "
            "après un arrêt brutal), supprimez ce fichier ou relancez avec --force."
        )
    return None


def ensure_writable(path: str | os.PathLike[str], force: bool = False) -> None:
    """Raise WorkbookLocked unless the workbook can be replaced now (not open, not read-only)."""
    p = Path(path)
    if not p.exists():
        raise UnreadableWorkbook(f"Le fichier « {p} » n'existe pas.")
    if not force:
        message = lock_message(p)
        if message:
            raise WorkbookLocked(message)
    mode = p.stat().st_mode
    if not mode & stat.S_IWUSR or not os.access(p, os.W_OK):
        raise WorkbookLocked(
            f"« {p.name} » est en lecture seule : il n'a pas été modifié. Retirez la lecture "
            "seule (propriétés du fichier) puis relancez la commande."
        )
    folder = p.parent
    if not os.access(folder, os.W_OK):
        raise WorkbookLocked(
            f"Le dossier « {folder} » est protégé en écriture : « {p.name} » n'a pas été "
            "modifié. Copiez le classeur dans un dossier où vous pouvez écrire."
        )
    try:
        with p.open("r+b"):
            pass
    except PermissionError as exc:
        raise _busy(p) from exc


def _busy(p: Path) -> WorkbookLocked:
    return WorkbookLocked(
        f"« {p.name} » ne peut pas être modifié : il est sans doute ouvert dans Excel ou un "
        "autre programme. Fermez-le puis relancez la commande."
    )


# ---------------------------------------------------------------- the package in memory


@dataclass
class _Package:
    """The zip parts of a workbook, with the changes to write (content by part name)."""

    archive: zipfile.ZipFile
    infos: list[zipfile.ZipInfo]
    changed: dict[str, bytes] = field(default_factory=dict)
    added: dict[str, bytes] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    source: bytes = b""  # the archive's bytes: unchanged parts are copied from them compressed

    @classmethod
    def open(cls, data: bytes, name: str) -> _Package:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError) as exc:
            raise UnreadableWorkbook(
                f"« {name} » n'est pas un classeur Excel (.xlsx) lisible : il n'a pas été modifié."
            ) from exc
        infos = archive.infolist()
        if any("\\" in i.filename for i in infos):
            archive = _forward_slashes(archive)  # written back with "/", as Excel does
            infos = archive.infolist()
        names = [i.filename.lower() for i in infos]
        if len(set(names)) != len(names) or declared_too_big(infos):
            raise UnreadableWorkbook(
                f"« {name} » a une structure anormale (parties en double ou volume excessif) : "
                "il n'a pas été modifié."
            )
        return cls(archive, infos, source=data)

    def names(self) -> list[str]:
        return [i.filename for i in self.infos if i.filename not in self.removed] + list(self.added)

    def get(self, name: str) -> bytes | None:
        if name in self.removed:
            return None
        if name in self.changed:
            return self.changed[name]
        if name in self.added:
            return self.added[name]
        try:
            return self.archive.read(name)
        except KeyError:
            lower = name.lower()
            for info in self.infos:
                if info.filename.lower() == lower and info.filename not in self.removed:
                    return self.archive.read(info)
            return None

    def put(self, name: str, data: bytes) -> None:
        if any(i.filename == name for i in self.infos):
            self.removed.discard(name)
            if self.archive.read(name) == data:
                self.changed.pop(name, None)
            else:
                self.changed[name] = data
        else:
            self.added[name] = data

    def remove(self, name: str) -> None:
        self.changed.pop(name, None)
        self.added.pop(name, None)
        if any(i.filename == name for i in self.infos):
            self.removed.add(name)

    def write(self, fh: Any) -> None:
        """Write the package: original order and zip entries, changed content where changed."""
        for name in [*self.changed, *self.added]:
            _check_entry(name)
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as out:
            for info in self.infos:
                if info.filename in self.removed:
                    continue
                data = self.changed.get(info.filename)
                if data is None and copy_compressed(out, self.source, info):
                    continue
                if data is None:
                    data = self.archive.read(info)
                out.writestr(_entry_like(info), data)
            for name, data in self.added.items():
                clone = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                clone.compress_type = zipfile.ZIP_DEFLATED
                clone.external_attr = 0o600 << 16
                out.writestr(clone, data)
            out.comment = self.archive.comment


def _forward_slashes(archive: zipfile.ZipFile) -> zipfile.ZipFile:
    """The package in memory with its backslash entry names (``xl\\workbook.xml``, which
    Excel opens) written with ``/``; dates, modes and compression kept."""
    buffer = io.BytesIO()
    with archive, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            clone = zipfile.ZipInfo(info.filename.replace("\\", "/"), info.date_time)
            clone.compress_type = info.compress_type
            clone.external_attr = info.external_attr
            out.writestr(clone, archive.read(info))
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def _check_entry(name: str) -> None:
    """Refuse to write a zip entry that would leave the package (``..``, a leading ``/``)."""
    if not _inside(name):
        raise SheetXmlError(
            f"Le classeur déclare une partie « {name} » hors du classeur : il n'a pas été "
            "modifié. Ouvrez-le dans Excel ou LibreOffice et enregistrez-le sous un autre nom."
        )


def _inside(part: str) -> bool:
    """Whether a part name stays inside the package (no ``..`` segment, no leading ``/``)."""
    segments = part.replace("\\", "/").split("/")
    return bool(part) and not part.startswith("/") and ".." not in segments and ":" not in part


def _check_sheet_parts(parts: Mapping[str, str], label: str) -> None:
    """Refuse a workbook whose sheets point outside the package or share one part."""
    seen: dict[str, str] = {}
    for sheet, part in parts.items():
        if not _inside(part):
            raise SheetXmlError(
                f"Dans « {label} », la feuille « {sheet} » pointe hors du classeur "
                f"(« {part} ») : il n'a pas été modifié. Ouvrez-le dans Excel ou LibreOffice "
                "et enregistrez-le sous un autre nom, puis relancez la commande."
            )
        other = seen.get(part.lower())
        if other is not None:
            raise SheetXmlError(
                f"Dans « {label} », les feuilles « {other} » et « {sheet} » pointent vers le "
                "même contenu : il n'a pas été modifié (écrire l'une effacerait l'autre). "
                "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le sous un autre nom, "
                "puis relancez la commande."
            )
        seen[part.lower()] = sheet


_ILLEGAL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));")


def _legal_xml(xml: bytes) -> bytes:
    """A sheet part without the characters XML forbids (control characters, as bytes or
    ``&#1;`` references), which other tools leave in cells and no parser accepts back."""

    def ref(m: re.Match[bytes]) -> bytes:
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        legal = (
            code in (0x9, 0xA, 0xD)
            or 0x20 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF
        )
        return m.group(0) if legal else b""

    if _ILLEGAL_BYTES.search(xml):
        xml = _ILLEGAL_BYTES.sub(b"", xml)
    if b"&#" in xml:
        xml = _CHAR_REF.sub(ref, xml)
    return xml


_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CALC_PR = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)calcPr\b([^>]*?)(/?)>")


def _has_formulas(pkg: _Package, parts: Mapping[str, str]) -> bool:
    """Whether a worksheet of the package holds a formula."""
    for part in parts.values():
        xml = pkg.get(part)
        if xml and _FORMULA.search(xml):
            return True
    return False


def _full_calc_on_load(wb_xml: bytes) -> bytes:
    """workbook.xml asking for a full recalculation when opened (``calcPr fullCalcOnLoad``)."""
    found = _CALC_PR.search(wb_xml)
    if found is not None:
        prefix, attrs, close = found.group(1), found.group(2), found.group(3)
        if re.search(rb"\bfullCalcOnLoad\s*=\s*[\"'](?:1|true)[\"']", attrs):
            return wb_xml
        attrs = re.sub(rb"\s*\bfullCalcOnLoad\s*=\s*(?:\"[^\"]*\"|'[^']*')", b"", attrs)
        tag = b"<" + prefix + b"calcPr" + attrs + b' fullCalcOnLoad="1"' + close + b">"
        return wb_xml[: found.start()] + tag + wb_xml[found.end() :]
    root = re.search(rb"<((?:[A-Za-z_][\w.-]*:)?)workbook\b", wb_xml)
    prefix = root.group(1) if root else b""
    # calcPr comes after sheets/functionGroups/externalReferences/definedNames, before
    # oleSize/customWorkbookViews/pivotCaches/...: insert it after the last of those present.
    last = -1
    for name in (b"sheets", b"functionGroups", b"externalReferences", b"definedNames"):
        close = wb_xml.rfind(b"</" + prefix + name + b">")
        if close >= 0:
            last = max(last, close + len(prefix) + len(name) + 3)
        else:
            empty = re.search(rb"<" + re.escape(prefix + name) + rb"\b[^>]*/>", wb_xml)
            if empty:
                last = max(last, empty.end())
    if last < 0:
        return wb_xml
    return wb_xml[:last] + b"<" + prefix + b'calcPr fullCalcOnLoad="1"/>' + wb_xml[last:]


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a zip local file header, before name and extra
_KEEP_FLAGS = 0x06  # deflate's level hints; not encryption (0x01) nor a data descriptor (0x08)


def _entry_like(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A new zip entry with ``info``'s name, date, compression, attributes and comment
    (no extra field: sizes and offsets are the new file's)."""
    clone = zipfile.ZipInfo(info.filename, info.date_time)
    clone.compress_type = info.compress_type
    clone.external_attr = info.external_attr
    clone.create_system = info.create_system
    clone.comment = info.comment
    clone.extra = b""
    return clone


def copy_compressed(out: zipfile.ZipFile, source: bytes, info: zipfile.ZipInfo) -> bool:
    """Append the part ``info`` of the archive ``source`` to ``out`` as it is stored: compressed.

    Saves recompressing the parts a write did not change (about 0.4 s of
    ``next --write`` on the 100k-contact benchmark, issue 22). The part keeps its
    name, date, attributes, CRC and compressed bytes; the local header is written
    anew, as ``ZipFile.writestr`` does. ``_verify`` then checks every CRC of the
    written file. Returns False, writing nothing, when the part cannot be copied
    as is (encrypted, or its local header does not match): recompress it then.
    """
    offset = info.header_offset
    if not source or info.flag_bits & 0x01 or offset + _LOCAL_HEADER.size > len(source):
        return False
    header = _LOCAL_HEADER.unpack_from(source, offset)
    if header[0] != b"PK\x03\x04":
        return False
    start = offset + _LOCAL_HEADER.size + header[9] + header[10]
    raw = source[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        return False
    clone = _entry_like(info)
    clone.flag_bits = info.flag_bits & _KEEP_FLAGS
    clone.CRC, clone.compress_size, clone.file_size = info.CRC, info.compress_size, info.file_size
    zip64 = max(clone.file_size, clone.compress_size) > zipfile.ZIP64_LIMIT
    # What ZipFile._open_to_write and _ZipWriteFile.close do around the bytes (CPython 3.8-3.13).
    out.fp.seek(out.start_dir)  # type: ignore[union-attr]
    clone.header_offset = out.fp.tell()  # type: ignore[union-attr]
    out._writecheck(clone)  # type: ignore[attr-defined]
    out._didModify = True  # type: ignore[attr-defined]
    out.fp.write(clone.FileHeader(zip64))  # type: ignore[union-attr]
    out.fp.write(raw)  # type: ignore[union-attr]
    out.start_dir = out.fp.tell()  # type: ignore[union-attr]
    out.filelist.append(clone)
    out.NameToInfo[clone.filename] = clone
    return True


# ---------------------------------------------------------------- building the changes


def _find_sheet(parts: Mapping[str, str], name: str) -> str | None:
    if name in parts:
        return name
    folded = name.casefold()
    return next((n for n in parts if n.casefold() == folded), None)


def _patch(
    pkg: _Package,
    cells: Mapping[str, Mapping[str, Any]],
    sheets: Sequence[SheetGrid],
    label: str = "",
) -> tuple[int, list[str]]:
    """Apply the cell changes and generated sheets to the package; (cells changed, sheets)."""
    wb_part = workbook_part(pkg.archive)
    if not _inside(wb_part):
        _check_entry(wb_part)
    parts = sheet_parts(pkg.archive)
    _check_sheet_parts(parts, label)
    wb_xml = pkg.get(wb_part) or b""
    is1904 = sx.date1904(wb_xml)
    styles_name = _styles_part(pkg, wb_part)
    styles_xml = pkg.get(styles_name) if styles_name else None
    styles = sx.Styles.parse(styles_xml) if styles_xml else None
    changed_cells = 0
    formula_lost = False
    for sheet_name, values in cells.items():
        found = _find_sheet(parts, sheet_name)
        if found is None:
            raise ValueError(f"no sheet named {sheet_name!r} in the workbook")
        part = parts[found]
        xml = pkg.get(part)
        if xml is None:
            raise UnreadableWorkbook(f"La feuille « {found} » est absente du classeur.")
        changes = {split_ref(ref): value for ref, value in values.items()}
        xml = _legal_xml(xml)
        patch = sx.SheetPatch(xml, part)
        new_xml, count = patch.apply(changes, styles, is1904)
        formula_lost = formula_lost or patch.formula_lost
        if count:
            pkg.put(part, new_xml)
            changed_cells += count
    written: list[str] = []
    if sheets:
        before = sx.reachable(pkg.get)
        for grid in sheets:
            written.append(_put_grid(pkg, wb_part, grid, styles, is1904))
        if formula_lost:
            _drop_calc_chain(pkg, wb_part)
        _drop_unreachable(pkg, before)
    elif formula_lost:
        before = sx.reachable(pkg.get)
        _drop_calc_chain(pkg, wb_part)
        _drop_unreachable(pkg, before)
    if styles is not None and styles_name and styles.changed:
        pkg.put(styles_name, styles.to_bytes())
    if (changed_cells or written) and _has_formulas(pkg, sheet_parts(pkg.archive)):
        wb_now = pkg.get(wb_part) or b""
        recalc = _full_calc_on_load(wb_now)
        if recalc != wb_now:
            pkg.put(wb_part, recalc)
    return changed_cells, written


def _styles_part(pkg: _Package, wb_part: str) -> str | None:
    for rel in sx.relationships(pkg.get(rels_path(wb_part))):
        if rel.type.endswith("/styles") and not rel.external:
            return resolve(wb_part, rel.target)
    return None


def _put_grid(
    pkg: _Package, wb_part: str, grid: SheetGrid, styles: sx.Styles | None, is1904: bool
) -> str:
    """Replace (in place) or add the generated sheet ``grid``; returns its name in the workbook."""
    wb_xml = pkg.get(wb_part) or b""
    entries = sx.workbook_sheets(wb_xml)
    key = match_sheet(grid.name)
    if key not in GENERATED_KEYS:
        raise ValueError(f"refusing to write sheet {grid.name!r}: not a generated sheet")
    # the sheet of that name, found as data sheets are (case, accents, spaces), exact first
    index = next((i for i, e in enumerate(entries) if e.name == grid.name), None)
    if index is None:
        index = next((i for i, e in enumerate(entries) if match_sheet(e.name) == key), None)
    body = sx.render_grid(grid, styles, is1904)
    strict = sx.is_strict(wb_xml)
    if strict:  # a Strict Open XML workbook: the new part in its namespaces
        body = sx.to_strict(body)
    rels_name = rels_path(wb_part)
    rels_xml = pkg.get(rels_name) or b""
    if index is not None:
        name = entries[index].name
        rid = entries[index].rid
        target = next((r.target for r in sx.relationships(rels_xml) if r.rid == rid), None)
        if target is None:
            raise UnreadableWorkbook(f"La feuille « {name} » du classeur est mal déclarée.")
        part = resolve(wb_part, target)
        if not sx.generated_mark(pkg.get(part) or b"", _shared_strings(pkg, wb_part)):
            raise StructureError(layout.OWN_SHEET.format(name=name))
        pkg.put(part, body)
        pkg.remove(rels_path(part))  # its old tables, comments, drawings go with it
    else:
        name = grid.name
        existing = {n.lower() for n in pkg.names()}
        n = 1
        while f"xl/worksheets/sheet{n}.xml" in existing:
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        target = posixpath.relpath(part, posixpath.dirname(wb_part) or ".")
        rel_ns = sx.STRICT_REL if strict else sx.NS_REL
        rels_xml, rid = sx.add_relationship(rels_xml, rel_ns + "/worksheet", target)
        pkg.put(rels_name, rels_xml)
        pkg.put(part, body)
        wb_xml = sx.add_sheet_entry(wb_xml, name, rid, rel_ns)
        types = pkg.get("[Content_Types].xml") or b""
        pkg.put("[Content_Types].xml", sx.add_override(types, part, sx.CT_WORKSHEET))
        index = len(entries)
    if grid.charts:  # Tableau de bord: its drawing and chart parts
        from cbpt_sheets.ooxml.charts import put_charts

        put_charts(pkg, part, grid.model_copy(update={"name": name}))
    wb_xml = sx.set_print_titles(wb_xml, index, sx.print_titles(name, grid.header_rows))
    if wb_xml != pkg.get(wb_part):
        pkg.put(wb_part, wb_xml)
    return name


def _shared_strings(pkg: _Package, wb_part: str) -> Callable[[int], str | None]:
    """The look-up of the workbook's shared strings (for the title of an older generated sheet)."""
    for rel in sx.relationships(pkg.get(rels_path(wb_part))):
        if rel.type.endswith("/sharedStrings") and not rel.external:
            return sx.shared_strings(pkg.get(resolve(wb_part, rel.target)))
    return sx.shared_strings(None)


def _drop_calc_chain(pkg: _Package, wb_part: str) -> None:
    """Forget the formula calculation chain (Excel rebuilds it) once a formula was overwritten."""
    rels_name = rels_path(wb_part)
    rels_xml = pkg.get(rels_name)
    if rels_xml:
        new = sx.remove_relationships(rels_xml, lambda r: not r.type.endswith("/calcChain"))
        if new != rels_xml:
            pkg.put(rels_name, new)


def _drop_unreachable(pkg: _Package, before: set[str]) -> None:
    """Remove the parts no relationship reaches any more (the old parts of a replaced sheet)."""
    after = sx.reachable(pkg.get)
    gone = before - after
    if not gone:
        return
    for name in pkg.names():
        low = name.lower()
        if low in gone or (low.endswith(".rels") and _rels_source(low) in gone):
            pkg.remove(name)
    types = pkg.get("[Content_Types].xml")
    if types:
        new = sx.remove_overrides(types, gone)
        if new != types:
            pkg.put("[Content_Types].xml", new)


def _rels_source(rels: str) -> str:
    folder, name = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), name[: -len(".rels")])


# ---------------------------------------------------------------- writing the file


def _verify(tmp: Path, pkg: _Package) -> None:
    """Check the written file: a sound zip whose changed XML parts parse."""
    with zipfile.ZipFile(tmp) as check:
        bad = check.testzip()
        if bad is not None:
            raise OSError(f"corrupt part {bad}")
        for name in [*pkg.changed, *pkg.added]:
            if name.endswith((".xml", ".rels")):
                _well_formed(check.read(name))


def _well_formed(data: bytes) -> None:
    """Parse an XML part without building a tree; a DTD (entity bomb) is refused."""
    parser = expat.ParserCreate()

    def no_dtd(*_args: Any) -> None:
        raise ValueError("DTD in a workbook part")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.Parse(data, True)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _clean_stale_temps(p: Path) -> None:
    """Remove temporary files a killed write of this workbook left behind (older than an hour)."""
    files.clean_stale_temps(p, time.time() - _STALE_TMP_SECONDS)


def write_changes(
    path: str | os.PathLike[str],
    *,
    cells: Mapping[str, Mapping[str, Any]] | None = None,
    sheets: Sequence[SheetGrid] | None = None,
    expected: Fingerprint | None = None,
    force: bool = False,
    scrub: Callable[[_Package], None] | None = None,
) -> WriteResult:
    """Write cell values and generated sheets into the workbook, keeping everything else.

    ``cells``: sheet name -> {A1 ref: value} (str, int, float, bool, date, datetime,
    time, or None to clear). ``sheets``: generated sheets (Suivi, Contrôles, Fiche)
    replacing the sheet of that name or added at the end. ``expected``: the
    fingerprint taken when the workbook was read (WorkbookChanged if it differs).
    When nothing changes, the file is left alone (``written`` is False). ``scrub``:
    called with the patched package before it is written (the RGPD erasure empties
    the shared strings no cell uses any more, ``ooxml.rgpd``).

    The workbook's lock is held throughout (re-entrant: the caller may hold it since
    the reading). A symbolic link is written through to its file, the backup beside
    that file. Raises WorkbookLocked, WorkbookChanged, UnreadableWorkbook,
    SheetXmlError, or CbptError for an operating-system error (French, exit 3).
    """
    p = real_path(path)
    with workbook_lock(p):
        return _write_locked(p, cells or {}, sheets or [], expected, force, scrub)


def _write_locked(
    p: Path,
    cells: Mapping[str, Mapping[str, Any]],
    sheets: Sequence[SheetGrid],
    expected: Fingerprint | None,
    force: bool,
    scrub: Callable[[_Package], None] | None = None,
) -> WriteResult:
    ensure_writable(p, force)
    try:
        data = p.read_bytes()
        st = p.stat()
    except PermissionError as exc:
        raise _busy(p) from exc
    except OSError as exc:
        raise UnreadableWorkbook(f"Impossible de lire « {p.name} » : {os_error_fr(exc)}.") from exc
    if expected is not None and hashlib.sha256(data).hexdigest() != expected.sha256:
        raise _changed(p)
    pkg = _Package.open(data, p.name)
    try:
        count, written = _patch(pkg, cells, sheets, p.name)
        if scrub is not None:
            scrub(pkg)
        if not pkg.changed and not pkg.added and not pkg.removed:
            return WriteResult(p, False, count, tuple(written))
        _clean_stale_temps(p)
        tmp: Path | None = None
        try:  # the temporary file goes on any failure (Ctrl-C, SIGTERM, SIGHUP included)
            try:
                fd, tmp_name = tempfile.mkstemp(
                    prefix=f".{p.name}{_TMP_TAG}", suffix=".tmp", dir=p.parent
                )
                tmp = Path(tmp_name)
                with os.fdopen(fd, "wb") as fh:
                    pkg.write(fh)
                    fh.flush()
                    os.fsync(fh.fileno())
                _verify(tmp, pkg)
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
                if hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
                    with contextlib.suppress(OSError):
                        os.chown(tmp, st.st_uid, st.st_gid)
            except OSError as exc:
                raise file_error(p, exc, p) from exc
            except (ValueError, expat.ExpatError) as exc:
                raise SheetXmlError(
                    f"« {p.name} » n'a pas été modifié : la version préparée était incorrecte "
                    f"({exc}). Signalez-le aux responsables de cbpt-sheets avec le classeur."
                ) from exc
            ensure_writable(p, force)  # opened or changed while we were writing?
            now = p.stat()
            if (now.st_size, now.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
                raise _changed(p)
            bak = files.keep_backup(p)
            try:
                os.replace(tmp, p)
            except PermissionError as exc:
                raise _busy(p) from exc
            except OSError as exc:
                raise file_error(p, exc, p) from exc
            tmp = None
            files.WRITTEN.append(p)
            with contextlib.suppress(OSError):
                _fsync_dir(p.parent)
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
    finally:
        pkg.archive.close()
    parts = tuple(sorted([*pkg.changed, *pkg.added, *(f"-{n}" for n in sorted(pkg.removed))]))
    return WriteResult(p, True, count, tuple(written), parts, bak)


def _changed(p: Path) -> WorkbookChanged:
    return WorkbookChanged(
        f"« {p.name} » a été modifié depuis sa lecture (enregistré dans Excel entre-temps ?) : "
        "rien n'a été écrit. Relancez la commande pour repartir de la dernière version."
    )
