"""Build a template workbook carrying the Excel features openpyxl drops, by zip surgery.

The example workbook of the template gets, on Organisations: a chart and a legacy
comment (openpyxl), then by editing the package directly: a threaded comment and
its persons part, an x14 dropdown and an x14 data bar in ``extLst``, protected
ranges, ignored errors, a picture (a PNG written by hand); and for the package: a
``customUI14`` ribbon with its relationship, ``vbaProject.bin`` (``.xlsm``) and a
custom XML part. Usage: ``python tests/build_rich_workbook.py out.xlsm``.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment

from cbpt_sheets.ooxml import template
from cbpt_sheets.ooxml.package import sheet_parts

TODAY = dt.date(2026, 12, 1)
RICH_SHEET = "Organisations"
PERSON_ID = "{5D3A1F32-8C2B-4E1A-9B7C-1F2E3D4C5B6A}"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
TC_NS = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_PERSON = "http://schemas.microsoft.com/office/2017/10/relationships/person"
REL_THREADED = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
REL_UI14 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_CUSTOMXML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
REL_CUSTOMXML_PROPS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps"
)
REL_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"

# Parts (and fragments) the builder adds: the survival tests look for each of them.
ADDED_PARTS = (
    "xl/threadedComments/threadedComment1.xml",
    "xl/persons/person.xml",
    "customUI/customUI14.xml",
    "customXml/item1.xml",
    "customXml/itemProps1.xml",
    "xl/media/image1.png",
)
SHEET_FRAGMENTS = (
    b"<x14:dataValidations",
    b"<x14:dataBar",
    b"<protectedRanges>",
    b"<ignoredErrors>",
    b'<cfRule type="dataBar"',
)


def tiny_png() -> bytes:
    """A 2x2 red PNG, written byte by byte (no Pillow)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _add_rel(rels: bytes, rid: str, rel_type: str, target: str) -> bytes:
    tag = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'.encode()
    return rels.replace(b"</Relationships>", tag + b"</Relationships>")


def _insert_before(xml: bytes, candidates: tuple[bytes, ...], fragment: bytes) -> bytes:
    for tag in candidates:
        pos = xml.find(tag)
        if pos >= 0:
            return xml[:pos] + fragment + xml[pos:]
    raise AssertionError(f"no place for {fragment[:30]!r}")


def _rich_sheet(xml: bytes) -> bytes:
    """The Organisations sheet XML with protected ranges, a data bar, ignored errors, extLst."""
    xml = xml.replace(
        b"</sheetData>",
        b'</sheetData><protectedRanges><protectedRange sqref="A1:AA1" name="EnTetes"/>'
        b"</protectedRanges>",
        1,
    )
    guid = "{6A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D}"
    cf = (
        f'<conditionalFormatting sqref="H2:H200"><cfRule type="dataBar" priority="99">'
        f'<dataBar><cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar>'
        f'<extLst><ext uri="{{B025F937-C7B1-47D3-B67F-A62EFF666E3E}}" xmlns:x14="{X14}">'
        f"<x14:id>{guid}</x14:id></ext></extLst></cfRule></conditionalFormatting>"
    ).encode()
    xml = _insert_before(
        xml, (b"<dataValidations", b"<hyperlinks", b"<printOptions", b"<pageMargins"), cf
    )
    ignored = (
        b'<ignoredErrors><ignoredError sqref="F2:F200" numberStoredAsText="1"/></ignoredErrors>'
    )
    xml = _insert_before(
        xml, (b"<drawing", b"<legacyDrawing", b"<tableParts", b"</worksheet>"), ignored
    )
    ext = (
        f'<extLst><ext uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}" xmlns:x14="{X14}">'
        f'<x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="{XM}">'
        f'<x14:cfRule type="dataBar" id="{guid}"><x14:dataBar minLength="0" maxLength="100" '
        f'gradient="0"><x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/>'
        f'<x14:negativeFillColor rgb="FFFF0000"/><x14:axisColor rgb="FF000000"/></x14:dataBar>'
        f"</x14:cfRule><xm:sqref>H2:H200</xm:sqref></x14:conditionalFormatting>"
        f"</x14:conditionalFormattings></ext>"
        f'<ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}">'
        f'<x14:dataValidations count="1" xmlns:xm="{XM}"><x14:dataValidation type="list" '
        f'allowBlank="1" showInputMessage="1" showErrorMessage="1"><x14:formula1>'
        f"<xm:f>Listes!$A$2:$A$8</xm:f></x14:formula1><xm:sqref>AB2:AB200</xm:sqref>"
        f"</x14:dataValidation></x14:dataValidations></ext></extLst>"
    ).encode()
    return xml.replace(b"</worksheet>", ext + b"</worksheet>")


def build_rich_workbook(path: str | Path, today: dt.date = TODAY) -> Path:
    """Write the feature-rich workbook at ``path`` (``.xlsm`` gets the VBA project)."""
    target = Path(path)
    base = target.with_name(target.stem + ".base.xlsx")
    template.create_workbook(base, example=True, today=today, force=True)
    wb = openpyxl.load_workbook(base)
    ws = wb[RICH_SHEET]
    chart = BarChart()
    chart.title = "Effectifs"
    chart.add_data(Reference(ws, min_col=8, min_row=1, max_row=12), titles_from_data=True)
    ws.add_chart(chart, "AC2")
    ws["B2"].comment = Comment("[Threaded comment] Appeler le standard le matin", "Claire Martin")
    wb.save(base)

    macro = target.suffix.lower() == ".xlsm"
    with zipfile.ZipFile(base) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
        infos = src.infolist()
        sheet_part = sheet_parts(src)[RICH_SHEET]
    base.unlink()
    sheet_rels = sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    types = parts["[Content_Types].xml"]
    overrides = [
        (
            "/xl/threadedComments/threadedComment1.xml",
            "application/vnd.ms-excel.threadedcomments+xml",
        ),
        ("/xl/persons/person.xml", "application/vnd.ms-excel.person+xml"),
        (
            "/customXml/itemProps1.xml",
            "application/vnd.openxmlformats-officedocument.customXmlProperties+xml",
        ),
    ]
    defaults = [("png", "image/png")]
    if macro:
        defaults.append(("bin", "application/vnd.ms-office.vbaProject"))
        types = types.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
    for ext, ctype in defaults:
        if f'Extension="{ext}"'.encode() not in types:
            types = re.sub(
                rb"(<Types[^>]*>)",
                rb'\1<Default Extension="%s" ContentType="%s"/>' % (ext.encode(), ctype.encode()),
                types,
                count=1,
            )
    for name, ctype in overrides:
        types = types.replace(
            b"</Types>", f'<Override PartName="{name}" ContentType="{ctype}"/></Types>'.encode()
        )
    parts["[Content_Types].xml"] = types

    parts["xl/persons/person.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<personList xmlns="{TC_NS}" '
        f'xmlns:x="{MAIN}"><person displayName="Claire Martin" id="{PERSON_ID}" '
        f'userId="claire@example.org" providerId="None"/></personList>'
    ).encode()
    parts["xl/threadedComments/threadedComment1.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ThreadedComments '
        f'xmlns="{TC_NS}" xmlns:x="{MAIN}"><threadedComment ref="B2" dT="2026-11-20T10:00:00.00" '
        f'personId="{PERSON_ID}" id="{{1B2C3D4E-5F6A-4B7C-8D9E-0F1A2B3C4D5E}}">'
        f"<text>Appeler le standard le matin</text></threadedComment></ThreadedComments>"
    ).encode()
    parts[sheet_rels] = _add_rel(
        parts[sheet_rels], "rIdTc1", REL_THREADED, "../threadedComments/threadedComment1.xml"
    )
    wb_rels = "xl/_rels/workbook.xml.rels"
    parts[wb_rels] = _add_rel(parts[wb_rels], "rIdPerson1", REL_PERSON, "persons/person.xml")
    parts[wb_rels] = _add_rel(parts[wb_rels], "rIdCx1", REL_CUSTOMXML, "../customXml/item1.xml")
    if macro:
        parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8
        parts[wb_rels] = _add_rel(parts[wb_rels], "rIdVba1", REL_VBA, "vbaProject.bin")

    parts["customXml/item1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><cbpt xmlns="urn:cbpt:test"><reseau>Paris</reseau></cbpt>'
    )
    parts["customXml/itemProps1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?><ds:datastoreItem '
        b'ds:itemID="{0B1C2D3E-4F5A-4B6C-8D7E-9F0A1B2C3D4E}" '
        b'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
        b"<ds:schemaRefs/></ds:datastoreItem>"
    )
    parts["customXml/_rels/item1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + f'<Relationship Id="rId1" Type="{REL_CUSTOMXML_PROPS}" Target="itemProps1.xml"/>'.encode()
        + b"</Relationships>"
    )
    parts["customUI/customUI14.xml"] = (
        b'<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui"><ribbon><tabs>'
        b'<tab id="cbptTest" label="CBPT test"><group id="g" label="Test"><button id="b" '
        b'label="Bouton" onAction="Bouton"/></group></tab></tabs></ribbon></customUI>'
    )
    parts["_rels/.rels"] = _add_rel(
        parts["_rels/.rels"], "rIdUi14", REL_UI14, "customUI/customUI14.xml"
    )

    parts["xl/media/image1.png"] = tiny_png()
    drawing = next(n for n in parts if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n))
    drawing_rels = drawing.replace("drawings/", "drawings/_rels/") + ".rels"
    parts[drawing_rels] = _add_rel(parts[drawing_rels], "rIdImg1", REL_IMAGE, "../media/image1.png")
    pic = (
        b'<oneCellAnchor xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><from>'
        b"<col>29</col><colOff>0</colOff><row>20</row><rowOff>0</rowOff></from>"
        b'<ext cx="190500" cy="190500"/><pic><nvPicPr><cNvPr id="3" name="Logo"/><cNvPicPr/>'
        b'</nvPicPr><blipFill><a:blip r:embed="rIdImg1"/><a:stretch><a:fillRect/></a:stretch>'
        b'</blipFill><spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="190500" cy="190500"/></a:xfrm>'
        b'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></spPr></pic><clientData/></oneCellAnchor>'
    )
    parts[drawing] = parts[drawing].replace(b"</wsDr>", pic + b"</wsDr>")
    parts[sheet_part] = _rich_sheet(parts[sheet_part])

    order = [i.filename for i in infos]
    order = ["[Content_Types].xml"] + [n for n in order if n != "[Content_Types].xml"]
    order += [n for n in parts if n not in order]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in order:
            out.writestr(name, parts[name])
    return target


if __name__ == "__main__":
    print(build_rich_workbook(sys.argv[1] if len(sys.argv) > 1 else "riche.xlsm"))
