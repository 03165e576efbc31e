"""Small facts about the xlsx package format (sheet parts), read with defusedxml."""

from __future__ import annotations

import posixpath
import zipfile

from defusedxml import ElementTree

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def workbook_part(archive: zipfile.ZipFile) -> str:
    """The path of the workbook part (``xl/workbook.xml`` in practice)."""
    try:
        root = ElementTree.fromstring(archive.read("_rels/.rels"))
    except KeyError:
        return "xl/workbook.xml"
    for rel in root.findall(f"{{{NS_PKG_REL}}}Relationship"):
        if rel.get("Type", "").endswith("/officeDocument"):
            return str(rel.get("Target", "xl/workbook.xml")).lstrip("/")
    return "xl/workbook.xml"


def rels_path(part: str) -> str:
    """The relationships part of a part (``xl/_rels/workbook.xml.rels``)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(base_part: str, target: str) -> str:
    """A relationship target resolved against the folder of its source part."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


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
        for rel in rels_root.findall(f"{{{NS_PKG_REL}}}Relationship"):
            targets[rel.get("Id", "")] = resolve(wb_part, rel.get("Target", ""))
    out: dict[str, str] = {}
    sheets = root.find(f"{{{NS_MAIN}}}sheets")
    for sheet in sheets if sheets is not None else []:
        rid = sheet.get(f"{{{NS_REL}}}id", "")
        name = sheet.get("name", "")
        if rid in targets:
            out[name] = targets[rid]
    return out
