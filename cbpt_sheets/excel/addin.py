"""Build and install the Excel add-in (.xlam) that carries the CBPT ribbon tab.

The add-in is built on any system, Linux included, from the custom add-in template
that xlwings ships (``quickstart_addin_ribbon.xlam``: xlwings' BSD-licensed VBA
module ``xlwings`` plus Tim Hall's MIT ``Dictionary`` class, licence headers kept).
The build replaces its ribbon with ``templates/customUI.xml`` (2006 namespace),
adds the button icons, swaps its sample module for ``templates/CBPT.bas`` (written
into ``vbaProject.bin`` with pyOpenVBA) and fills its hidden ``cbpt.conf`` sheet so
that ``RunPython`` finds the Python that built it, with no manual setup.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import struct
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from cbpt_sheets.errors import AddinBuildError as AddinBuildError  # its old home
from cbpt_sheets.errors import MissingDependency, os_error_fr

ADDIN_NAME = "CBPT.xlam"
PROJECT_NAME = "cbpt"  # xlwings' PROJECT_NAME: the config sheet is "cbpt.conf"
CONF_SHEET = PROJECT_NAME + ".conf"
VBA_MODULE = "CBPT"
TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
TEMPLATE_MODULE = "RibbonMyAddin"  # the sample callback module of the template, removed

CUSTOMUI_PART = "customUI/customUI.xml"
CUSTOMUI_RELS_PART = "customUI/_rels/customUI.xml.rels"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
UI_REL_TYPE = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
UI_REL_TYPE_2007 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
IMAGE_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
ADDIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_TEMPLATE_DIRS = (_PACKAGE_DIR / "resources" / "addin", _PACKAGE_DIR.parent / "templates")

# Hardening of xlwings' module: its settings come from the add-in only, never from
# the workbook in front of the volunteer (workbooks arrive by e-mail) nor its folder.
_VBA_PATCHES: tuple[tuple[str, str, int], ...] = (
    (
        'Public Const PROJECT_NAME As String = "myaddin"',
        f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"',
        1,
    ),
    (
        "If i = 1 Then\n            Set wb = ActiveWorkbook",
        "If i = 1 Then\n            Set wb = ThisWorkbook",
        1,
    ),
    (
        'SheetExists(ActiveWorkbook, PROJECT_NAME & ".conf")',
        'SheetExists(ThisWorkbook, PROJECT_NAME & ".conf")',
        1,
    ),
    ("GetConfigFromSheet(ActiveWorkbook)", "GetConfigFromSheet(ThisWorkbook)", 2),
    ("GetDirectoryPath(ActiveWorkbook)", "GetDirectoryPath(ThisWorkbook)", 1),
    ("GetFullName(ActiveWorkbook)", "GetFullName(ThisWorkbook)", 1),
)


@dataclass(frozen=True)
class RibbonButton:
    """A button of the ribbon XML: its id, label, icon relationship and VBA callback."""

    id: str
    label: str
    image: str
    on_action: str


# ---------------------------------------------------------------- sources


def templates_dir() -> Path:
    """The folder holding customUI.xml and CBPT.bas (package resources, else the repo)."""
    for folder in _TEMPLATE_DIRS:
        if (folder / "customUI.xml").is_file() and (folder / "CBPT.bas").is_file():
            return folder
    raise AddinBuildError(
        "Les modèles du complément (customUI.xml, CBPT.bas) sont introuvables : "
        "réinstallez cbpt-sheets."
    )


def xlwings_template() -> Path:
    """The custom add-in template shipped by xlwings (raises MissingDependency if absent)."""
    try:
        import xlwings
    except ImportError as exc:  # pragma: no cover - xlwings is a dependency
        raise MissingDependency(
            "Le module xlwings est nécessaire pour construire le complément : "
            "installez-le avec « pip install xlwings »."
        ) from exc
    path = Path(xlwings.__file__).resolve().parent / TEMPLATE_NAME
    if not path.is_file():
        raise MissingDependency(
            f"Le modèle de complément d'xlwings ({TEMPLATE_NAME}) est introuvable : "
            "réinstallez xlwings (« pip install --force-reinstall xlwings »)."
        )
    return path


def ribbon_xml() -> str:
    """The ribbon XML of the CBPT tab, as shipped in templates/customUI.xml."""
    return (templates_dir() / "customUI.xml").read_text(encoding="utf-8")


def vba_source() -> str:
    """The VBA callback module (templates/CBPT.bas), line ends as pyOpenVBA expects them."""
    text = (templates_dir() / "CBPT.bas").read_text(encoding="utf-8")
    return "\n".join(text.splitlines()) + "\n"


_BUTTON = re.compile(r"<button\b([^>]*?)/?>", re.S)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def ribbon_buttons(xml: str | None = None) -> list[RibbonButton]:
    """The buttons of the ribbon XML, in order (what the icons and callbacks must match)."""
    from xml.sax.saxutils import unescape

    buttons = []
    for match in _BUTTON.finditer(ribbon_xml() if xml is None else xml):
        attrs = {k: unescape(v, {"&apos;": "'", "&quot;": '"'}) for k, v in _ATTR.findall(match[1])}
        buttons.append(
            RibbonButton(
                attrs["id"],
                attrs.get("label", ""),
                attrs.get("image", ""),
                attrs.get("onAction", ""),
            )
        )
    return buttons


# ---------------------------------------------------------------- icons


def png(
    width: int, height: int, pixel: Callable[[float, float], tuple[int, int, int, int]]
) -> bytes:
    """A truecolour+alpha PNG drawn by ``pixel(x, y) -> RGBA`` (x, y in 0..1), 4x supersampled."""
    rows = bytearray()
    samples = 4
    for j in range(height):
        rows.append(0)  # filter: none
        for i in range(width):
            acc = [0, 0, 0, 0]
            for sj in range(samples):
                for si in range(samples):
                    x = (i + (si + 0.5) / samples) / width
                    y = (j + (sj + 0.5) / samples) / height
                    r, g, b, a = pixel(x, y)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            alpha = acc[3] / (samples * samples)
            if acc[3]:
                rows.extend(round(c / acc[3]) for c in acc[:3])
            else:
                rows.extend((0, 0, 0))
            rows.append(round(alpha))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


_CLEAR = (0, 0, 0, 0)
_WHITE = (255, 255, 255, 255)


def _near_segment(
    x: float, y: float, a: tuple[float, float], b: tuple[float, float], width: float
) -> bool:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - ax - t * dx, y - ay - t * dy) <= width / 2


def _disc(
    colour: tuple[int, int, int, int], glyph: Callable[[float, float], bool]
) -> Callable[[float, float], tuple[int, int, int, int]]:
    def pixel(x: float, y: float) -> tuple[int, int, int, int]:
        if math.hypot(x - 0.5, y - 0.5) > 0.47:
            return _CLEAR
        return _WHITE if glyph(x, y) else colour

    return pixel


def _card(
    colour: tuple[int, int, int, int], glyph: Callable[[float, float], bool]
) -> Callable[[float, float], tuple[int, int, int, int]]:
    def pixel(x: float, y: float) -> tuple[int, int, int, int]:
        if not (0.06 <= x <= 0.94 and 0.06 <= y <= 0.94):
            return _CLEAR
        corner = 0.16
        cx = min(max(x, 0.06 + corner), 0.94 - corner)
        cy = min(max(y, 0.06 + corner), 0.94 - corner)
        if math.hypot(x - cx, y - cy) > corner:
            return _CLEAR
        return _WHITE if glyph(x, y) else colour

    return pixel


def _check(x: float, y: float) -> bool:
    return _near_segment(x, y, (0.27, 0.52), (0.43, 0.68), 0.11) or _near_segment(
        x, y, (0.43, 0.68), (0.74, 0.33), 0.11
    )


def _arrow(x: float, y: float) -> bool:
    return (
        _near_segment(x, y, (0.25, 0.5), (0.72, 0.5), 0.11)
        or _near_segment(x, y, (0.52, 0.3), (0.74, 0.5), 0.11)
        or _near_segment(x, y, (0.52, 0.7), (0.74, 0.5), 0.11)
    )


def _list(x: float, y: float) -> bool:
    for row in (0.3, 0.5, 0.7):
        if _near_segment(x, y, (0.24, row), (0.27, row), 0.1) or _near_segment(
            x, y, (0.4, row), (0.76, row), 0.08
        ):
            return True
    return False


def _phone(x: float, y: float) -> bool:
    handle = abs(math.hypot(x - 0.7, y - 0.3) - 0.4) < 0.055 and x < 0.7 and y > 0.3
    ear = _near_segment(x, y, (0.3, 0.3), (0.3, 0.45), 0.14)
    mouth = _near_segment(x, y, (0.55, 0.7), (0.7, 0.7), 0.14)
    return handle or ear or mouth


def _bars_glyph(x: float, y: float) -> bool:
    """Three rising bars on a baseline (the Tableau de bord icon)."""
    base = _near_segment(x, y, (0.22, 0.76), (0.78, 0.76), 0.06)
    bars = any(
        left <= x <= left + 0.12 and top <= y <= 0.76
        for left, top in ((0.26, 0.56), (0.44, 0.42), (0.62, 0.26))
    )
    return base or bars


_ICONS: dict[str, Callable[[float, float], tuple[int, int, int, int]]] = {
    "cbptVerify": _disc((46, 139, 87, 255), _check),
    "cbptNextActions": _disc((31, 94, 168, 255), _arrow),
    "cbptFollowupList": _card((214, 120, 28, 255), _list),
    "cbptCallBrief": _card((120, 64, 160, 255), _phone),
    "cbptDashboard": _card((31, 130, 140, 255), _bars_glyph),
}


def icon_png(image_id: str, size: int = 32) -> bytes:
    """The PNG icon of a ribbon button, drawn at build time (no binary file in the repo)."""
    try:
        pixel = _ICONS[image_id]
    except KeyError:
        raise AddinBuildError(f"Aucune icône n'est prévue pour le bouton « {image_id} ».") from None
    return png(size, size, pixel)


# ---------------------------------------------------------------- package parts


def addin_settings(interpreter: str, pythonpath: str = "") -> list[tuple[str, str | bool]]:
    """The rows of the hidden ``cbpt.conf`` sheet that xlwings' RunPython reads."""
    return [
        ("Interpreter_Win", interpreter),
        ("Interpreter_Mac", interpreter),
        ("PYTHONPATH", pythonpath),
        ("ADD_WORKBOOK_TO_PYTHONPATH", False),
        ("Show Console", False),
    ]


def _conf_sheet_xml(settings: list[tuple[str, str | bool]]) -> str:
    rows = []
    for r, (key, value) in enumerate(settings, start=1):
        cells = f'<c r="A{r}" s="1" t="inlineStr"><is><t>{escape(key)}</t></is></c>'
        if isinstance(value, bool):
            cells += f'<c r="B{r}" s="1" t="b"><v>{int(value)}</v></c>'
        elif value:
            cells += f'<c r="B{r}" s="1" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
        rows.append(f'<row r="{r}">{cells}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheetPr codeName="Sheet2"/>'
        f'<dimension ref="A1:B{len(settings)}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15.75"/>'
        '<cols><col min="1" max="1" width="30" style="1" customWidth="1"/>'
        '<col min="2" max="2" width="80" style="1" customWidth="1"/></cols>'
        f"<sheetData>{''.join(rows)}</sheetData>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )


def _customui_rels(buttons: list[RibbonButton]) -> str:
    rels = "".join(
        f'<Relationship Id="{b.image}" Type="{IMAGE_REL_TYPE}" Target="images/{b.image}.png"/>'
        for b in buttons
    )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{RELS_NS}">{rels}</Relationships>'


def _package_rels(text: str) -> str:
    text = text.replace(UI_REL_TYPE_2007, UI_REL_TYPE)
    if UI_REL_TYPE not in text:
        text = text.replace(
            "</Relationships>",
            f'<Relationship Id="rIdCbptUI" Type="{UI_REL_TYPE}" Target="{CUSTOMUI_PART}"/></Relationships>',
        )
    return text


def _content_types(text: str) -> str:
    if 'Extension="png"' not in text:
        text = text.replace(
            '<Default Extension="xml"',
            '<Default Extension="png" ContentType="image/png" /><Default Extension="xml"',
        )
    return text


def _workbook_xml(text: str) -> str:
    text = re.sub(r"<mc:AlternateContent\b.*?</mc:AlternateContent>", "", text, flags=re.S)
    new, count = re.subn(r'<sheet name="[^"]*"', f'<sheet name="{CONF_SHEET}"', text, count=1)
    if not count:
        raise AddinBuildError(
            "Le modèle de complément d'xlwings a changé : feuille de réglages introuvable."
        )
    return new


_CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>CBPT</dc:title><dc:subject>Onglet CBPT du ruban Excel</dc:subject>"
    "<dc:creator>cbpt-sheets</dc:creator>"
    "<dc:description>Complément Excel du classeur de prospection des bibliothèques CBPT "
    "(construit avec le modèle de complément d'xlwings, licence BSD).</dc:description>"
    "</cp:coreProperties>"
)


def patch_xlwings_module(source: str) -> str:
    """xlwings' VBA module with the project name set and its settings read from the add-in only."""
    for old, new, expected in _VBA_PATCHES:
        found = source.count(old)
        if found != expected:
            raise AddinBuildError(
                "Le modèle de complément d'xlwings a changé et ne peut pas être adapté "
                f"({old!r} trouvé {found} fois au lieu de {expected})."
            )
        source = source.replace(old, new)
    return source


def default_pythonpath() -> str:
    """The folder that holds the ``cbpt_sheets`` package, for RunPython's sys.path."""
    return str(_PACKAGE_DIR.parent)


def build_addin(
    path: str | os.PathLike[str] | None = None,
    interpreter: str | None = None,
    pythonpath: str | None = None,
) -> Path:
    """Build the CBPT add-in (.xlam) and return its path (``CBPT.xlam`` here by default).

    ``interpreter`` defaults to the Python running this build, so that the buttons
    run the cbpt-sheets installed with it.
    """
    from pyopenvba import ExcelFile
    from pyopenvba.exceptions import PyOpenVBAError

    target = Path(path) if path is not None else Path.cwd() / ADDIN_NAME
    if target.is_dir() or not target.suffix:
        target = target / ADDIN_NAME
    if target.suffix.lower() != ".xlam":
        raise AddinBuildError(
            f"Le complément doit avoir l'extension .xlam (reçu « {target.name} »)."
        )
    settings = addin_settings(
        interpreter or sys.executable, default_pythonpath() if pythonpath is None else pythonpath
    )
    xml = ribbon_xml()
    buttons = ribbon_buttons(xml)
    template = xlwings_template()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            stage = Path(tmp) / ("stage-" + ADDIN_NAME)
            _write_parts(template, stage, xml, buttons, settings)
            with ExcelFile(stage) as book:
                project = book.vba_project()
                if TEMPLATE_MODULE in book.module_names():
                    project.delete_module(TEMPLATE_MODULE)
                project.add_module(VBA_MODULE, vba_source())
                book.set_module("xlwings", patch_xlwings_module(book.get_module("xlwings")))
                built = Path(tmp) / ADDIN_NAME
                book.save(built)
            os.replace(built, target)
    except PyOpenVBAError as exc:
        raise AddinBuildError(
            f"Le projet VBA du complément n'a pas pu être écrit ({exc})."
        ) from exc
    except OSError as exc:
        raise AddinBuildError(
            f"Impossible d'écrire le complément « {target} » : {os_error_fr(exc)}. "
            "S'il est ouvert dans Excel, fermez Excel et recommencez."
        ) from exc
    return target


def _write_parts(
    template: Path,
    stage: Path,
    xml: str,
    buttons: list[RibbonButton],
    settings: list[tuple[str, str | bool]],
) -> None:
    """Copy the xlwings template to ``stage`` with the CBPT ribbon, icons and settings."""
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(stage, "w", zipfile.ZIP_DEFLATED) as dst:
        conf_part = "xl/worksheets/sheet1.xml"
        for info in src.infolist():
            name = info.filename
            if name.startswith("customUI/"):
                continue
            data = src.read(name)
            if name == "_rels/.rels":
                data = _package_rels(data.decode("utf-8")).encode("utf-8")
            elif name == "[Content_Types].xml":
                data = _content_types(data.decode("utf-8")).encode("utf-8")
            elif name == "xl/workbook.xml":
                data = _workbook_xml(data.decode("utf-8")).encode("utf-8")
            elif name == conf_part:
                data = _conf_sheet_xml(settings).encode("utf-8")
            elif name == "docProps/core.xml":
                data = _CORE_XML.encode("utf-8")
            dst.writestr(name, data)
        dst.writestr(CUSTOMUI_PART, xml.encode("utf-8"))
        dst.writestr(CUSTOMUI_RELS_PART, _customui_rels(buttons).encode("utf-8"))
        for button in buttons:
            dst.writestr(f"customUI/images/{button.image}.png", icon_png(button.image))


# ---------------------------------------------------------------- install


def startup_folder(
    platform: str | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Path | None:
    """The folder whose add-ins Excel opens at start on this system (None where Excel is not)."""
    platform = sys.platform if platform is None else platform
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if platform == "win32":
        appdata = env.get("APPDATA") or str(home / "AppData" / "Roaming")
        return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"
    if platform == "darwin":
        return (
            home
            / "Library"
            / "Group Containers"
            / "UBF8T346G9.Office"
            / "User Content.localized"
            / "Startup.localized"
            / "Excel"
        )
    return None


def install_addin(
    source: str | os.PathLike[str] | None = None,
    folder: str | os.PathLike[str] | None = None,
    platform: str | None = None,
) -> Path:
    """Build the add-in (unless ``source`` is given) and copy it where Excel loads add-ins at start.

    Raises MissingDependency, saying where the built file is, on a system without Excel.
    """
    platform = sys.platform if platform is None else platform
    dest_dir = Path(folder) if folder is not None else startup_folder(platform)
    if dest_dir is None:
        built = Path(source) if source is not None else build_addin()
        raise MissingDependency(
            "Excel est nécessaire pour utiliser l'onglet CBPT, et il n'existe que sous Windows "
            f"et macOS. Le complément a été construit ici : {built.resolve()}. "
            "Sur l'ordinateur Windows ou Mac du bénévole, installez cbpt-sheets puis lancez "
            "« cbpt-sheets addin install »."
        )
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AddinBuildError(
            f"Impossible de créer le dossier « {dest_dir} » : {os_error_fr(exc)}."
        ) from exc
    target = dest_dir / ADDIN_NAME
    if source is None:
        build_addin(target)
    else:
        try:
            shutil.copyfile(source, target)
        except OSError as exc:
            raise AddinBuildError(
                f"Impossible de copier le complément vers « {target} » : {os_error_fr(exc)}. "
                "Fermez Excel et recommencez."
            ) from exc
    if platform == "darwin":
        _enable_runpython_mac()
    return target


def _enable_runpython_mac() -> None:
    """Copy xlwings' AppleScript where Excel for Mac may run it (``xlwings runpython install``)."""
    from xlwings.cli import runpython_install

    runpython_install(None)  # type: ignore[no-untyped-call]
