"""Small facts about the xlsx package format (sheet parts), read with defusedxml."""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote

from defusedxml import ElementTree

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

# The zip-bomb limits, for every command that opens a package (reading and writing).
MAX_UNPACKED_BYTES = 1_000_000_000  # a workbook unpacking to more than this is refused
MAX_RATIO = 200  # and so is a large part compressed more than this
_LARGE_PART = 50_000_000  # the size from which a part's compression ratio is looked at


def declared_too_big(infos: Iterable[zipfile.ZipInfo]) -> bool:
    """Whether a package's declared sizes exceed the zip-bomb limits (total or one part)."""
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNPACKED_BYTES or (info.file_size > _LARGE_PART and ratio > MAX_RATIO):
            return True
    return False


def _children(element: Any, local: str) -> Iterator[Any]:
    """The children of an element with a local name, in any namespace (transitional OOXML's
    ``schemas.openxmlformats.org``, Strict's ``purl.oclc.org``) or none."""
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag.rpartition("}")[2] == local:
            yield child


def workbook_part(archive: zipfile.ZipFile) -> str:
    """The path of the workbook part (``xl/workbook.xml`` in practice)."""
    try:
        root = ElementTree.fromstring(archive.read("_rels/.rels"))
    except KeyError:
        return "xl/workbook.xml"
    for rel in _children(root, "Relationship"):
        if rel.get("Type", "").endswith("/officeDocument"):
            return str(rel.get("Target", "xl/workbook.xml")).lstrip("/")
    return "xl/workbook.xml"


def rels_path(part: str) -> str:
    """The relationships part of a part (``xl/_rels/workbook.xml.rels``; ``_rels/.rels`` for
    the package root ``""``)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship target resolved to a part name (source ``""`` is the package root).

    The target is a URI: its %-escapes are undone (OPC part names are stored unescaped
    in the zip), then it is taken from the root when absolute, else from the source's
    folder.
    """
    target = unquote(target)
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part path, in workbook order."""
    wb_part = workbook_part(archive)
    root = ElementTree.fromstring(archive.read(wb_part))
    try:
        rels_root = ElementTree.fromstring(archive.read(rels_path(wb_part)))
    except KeyError:
        rels_root = None
    targets: dict[str, str] = {}
    if rels_root is not None:
        for rel in _children(rels_root, "Relationship"):
            targets[rel.get("Id", "")] = resolve(wb_part, rel.get("Target", ""))
    out: dict[str, str] = {}
    sheets = next(_children(root, "sheets"), None)
    for sheet in _children(sheets, "sheet") if sheets is not None else []:
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
        name = sheet.get("name", "")
        if rid in targets:
            out[name] = targets[rid]
    return out
