"""Native charts of a generated sheet (Tableau de bord): drawing and chart parts for the safe writer.

openpyxl's chart classes write the chart XML (DrawingML charts that Excel and
LibreOffice both draw, reading their data from the sheet's cells); this module adds
those parts to the package the writer patches, beside the sheet part it has just
written::

    put_charts(package, sheet_part, grid)

adds ``xl/drawings/drawingN.xml`` with its relationships to ``xl/charts/chartM.xml``
(one per ``GridChart``), the sheet's relationship to the drawing and its
``<drawing r:id>`` element, and their content types. Every other part is left as it
is; the parts of the sheet's previous drawing are no longer reachable and the
writer drops them (``writer._drop_unreachable``).
"""

from __future__ import annotations

import posixpath
from typing import Any, Protocol

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.xml.functions import tostring

from cbpt_sheets.core.a1 import column_letter
from cbpt_sheets.core.models import GridChart, SheetGrid
from cbpt_sheets.ooxml import sheetxml as sx
from cbpt_sheets.ooxml.package import rels_path

REL_DRAWING = sx.NS_REL + "/drawing"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
_XML_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_COLOURS = ("1F5EA8", "D6781C", "2E8B57", "7840A0", "C0392B", "5D6D7E", "B7950B", "17A589")


class Package(Protocol):
    """What the writer's package offers: read, write and list its parts."""

    def get(self, name: str) -> bytes | None: ...

    def put(self, name: str, data: bytes) -> None: ...

    def names(self) -> list[str]: ...


def quoted(sheet: str) -> str:
    """A sheet name as a formula reference writes it: ``'Tableau de bord'``."""
    return "'" + sheet.replace("'", "''") + "'"


def _ref(sheet: str, col: int, first: int, last: int) -> Reference:
    """The cells of one column (0-based column, 0-based rows), absolute."""
    letter = column_letter(col)
    return Reference(range_string=f"{quoted(sheet)}!${letter}${first + 1}:${letter}${last + 1}")


def build_chart(sheet: str, spec: GridChart) -> Any:
    """An openpyxl chart for one ``GridChart`` of the sheet named ``sheet``."""
    chart: Any
    if spec.kind == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.kind == "bar" else "col"
        chart.gapWidth = 60
        if spec.stacked:
            chart.grouping = "stacked"
            chart.overlap = 100
        if spec.kind == "bar":
            chart.x_axis.scaling.orientation = "maxMin"  # the first step on top, as in the table
    chart.title = spec.title
    chart.style = 10
    chart.width = spec.width_cm
    chart.height = spec.height_cm
    for index, col in enumerate(spec.value_columns):
        data = _ref(sheet, col, spec.header_row, spec.last_row)
        chart.add_data(data, titles_from_data=True)
        series = chart.series[-1]
        colour = _COLOURS[index % len(_COLOURS)]
        if spec.kind == "line":
            series.graphicalProperties.line.solidFill = colour
            series.graphicalProperties.line.width = 28575  # 2.25 pt
            series.smooth = False
        else:
            series.graphicalProperties.solidFill = colour
            series.graphicalProperties.line.solidFill = colour
    chart.set_categories(_ref(sheet, spec.category_column, spec.first_row, spec.last_row))
    if spec.axis_title:
        chart.y_axis.title = spec.axis_title
    chart.y_axis.number_format = "0"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    if len(spec.value_columns) == 1:
        chart.legend = None
    else:
        chart.legend.position = "b"
    chart.anchor = spec.anchor
    return chart


def _free_name(taken: set[str], pattern: str) -> tuple[str, int]:
    n = 1
    while pattern.format(n).lower() in taken:
        n += 1
    name = pattern.format(n)
    taken.add(name.lower())
    return name, n


def put_charts(pkg: Package, sheet_part: str, grid: SheetGrid) -> list[str]:
    """Add the grid's charts to the sheet part just written; returns the parts added.

    The sheet part must have no relationships part yet (the writer removes the old
    one when it replaces a generated sheet). Raises ``SheetXmlError`` on a content
    types part it cannot read.
    """
    if not grid.charts:
        return []
    taken = {n.lower() for n in pkg.names()}
    drawing_part, drawing_n = _free_name(taken, "xl/drawings/drawing{}.xml")
    drawing = SpreadsheetDrawing()
    drawing._id = drawing_n
    chart_parts: list[str] = []
    for spec in grid.charts:
        chart = build_chart(grid.name, spec)
        part, chart._id = _free_name(taken, "xl/charts/chart{}.xml")
        drawing.charts.append(chart)
        chart_parts.append(part)
        pkg.put(part, _XML_DECL + tostring(chart._write()))
    drawing_xml = _XML_DECL + tostring(drawing._write())
    rels_xml = _XML_DECL + tostring(drawing._write_rels())
    pkg.put(drawing_part, drawing_xml)
    pkg.put(rels_path(drawing_part), rels_xml)
    sheet_rels = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b"</Relationships>"
    )
    target = posixpath.relpath(drawing_part, posixpath.dirname(sheet_part))
    sheet_rels, rid = sx.add_relationship(sheet_rels, REL_DRAWING, target)
    pkg.put(rels_path(sheet_part), sheet_rels)
    body = pkg.get(sheet_part) or b""
    close = body.rfind(b"</worksheet>")
    pkg.put(sheet_part, body[:close] + f'<drawing r:id="{rid}"/>'.encode() + body[close:])
    types = pkg.get("[Content_Types].xml") or b""
    types = sx.remove_overrides(types, {p.lower() for p in [drawing_part, *chart_parts]})
    types = sx.add_override(types, drawing_part, CT_DRAWING)
    for part in chart_parts:
        types = sx.add_override(types, part, CT_CHART)
    pkg.put("[Content_Types].xml", types)
    return [drawing_part, rels_path(drawing_part), *chart_parts]
