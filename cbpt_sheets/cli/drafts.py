"""``drafts``: letters and e-mails ready to send; ``templates``: copy their templates to edit."""

from __future__ import annotations

from pathlib import Path

import click

from cbpt_sheets import operations
from cbpt_sheets.cli.app import (
    cli,
    echo_json,
    existing_path,
    handle_errors,
    parse_day,
    say_partial,
    today_option,
)


@cli.command("drafts")
@click.argument("path", type=existing_path)
@today_option
@click.option("--volunteer", metavar="NOM", help="Seulement les organisations de ce bénévole.")
@click.option("--library", metavar="NOM", help="Seulement les organisations de cette bibliothèque.")
@click.option("--days", type=click.IntRange(min=0), metavar="N",
              help="Seulement les courriers à envoyer dans N jours au plus (les retards toujours).")  # fmt: skip
@click.option("--output", required=True, type=click.Path(path_type=Path, file_okay=False),
              metavar="DOSSIER", help="Le dossier où écrire les brouillons (créé s'il n'existe pas).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Résumé en texte, ou en JSON.")  # fmt: skip
@click.option("--force", "replace", is_flag=True,
              help="Remplacer les brouillons déjà présents dans le dossier (sinon ils sont gardés).")  # fmt: skip
@handle_errors
def drafts_command(
    path: Path,
    today: str | None,
    volunteer: str | None,
    library: str | None,
    days: int | None,
    output: Path,
    fmt: str,
    replace: bool,
) -> None:
    """Les brouillons des mails et des courriers à envoyer, prêts à relire et à envoyer.

    Un brouillon de mail (.eml, qui s'ouvre dans Outlook ou Thunderbird) et/ou une
    lettre (.docx, qui s'ouvre dans Word ou LibreOffice) pour chaque action
    « Écrire » de la liste de suivi : nommés d'après l'ID de l'organisation
    (ORG-0007-mail.eml, ORG-0007-lettre.docx). Un brouillon déjà présent dans le
    dossier n'est pas remplacé (vous l'avez peut-être retouché), sauf avec --force.

    \b
    Exemples :
      cbpt-sheets drafts suivi.xlsx --output brouillons
      cbpt-sheets drafts suivi.xlsx --volunteer Claire --days 7 --output brouillons
    """
    day = parse_day(today)
    source = operations.open_file(path)
    filters = operations.FollowUpFilters(days, volunteer, library)
    result = operations.write_drafts(source, day, output, filters, force=replace)
    say_partial(result.partial)
    if fmt == "json":
        echo_json(
            {
                "today": day.isoformat(),
                "output": str(output),
                "drafts": [d.as_json() for d in result.drafts],
                "unmatched": [u.as_json() for u in result.unmatched],
            }
        )
    else:
        click.echo(_summary(result))
    if result.unfound_templates:
        click.echo(
            f"Attention : le dossier des modèles « {result.unfound_templates} » (Paramètres) "
            "n'existe pas : les modèles fournis ont servi.",
            err=True,
        )


def _summary(result: operations.DraftsResult) -> str:
    if not result.drafts:
        return "Aucun mail ni courrier à préparer pour ces dates."
    kinds = {"email": "mail", "letter": "lettre"}
    lines = []
    for item in result.drafts:
        d = item.draft
        state = "" if item.status == "written" else " (déjà présent, gardé tel quel)"
        lines.append(f"{item.path.name} : {kinds[d.kind]} à {d.organisation}{state}")
        if d.missing:
            lines.append("    à compléter : " + " ; ".join(d.missing))
    written = sum(1 for i in result.drafts if i.status == "written")
    kept = len(result.drafts) - written
    lines.append(
        f"{written} brouillon{'s' if written > 1 else ''} écrit{'s' if written > 1 else ''} "
        f"dans « {result.folder} »"
        + (
            f", {kept} gardé{'s' if kept > 1 else ''} tel{'s' if kept > 1 else ''} quel{'s' if kept > 1 else ''}"
            if kept
            else ""
        )
        + "."
    )
    if result.templates:
        lines.append(f"Modèles : « {result.templates} » (Paramètres).")
    return "\n".join(lines)


@cli.command("templates")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), metavar="DOSSIER")
@click.option("--force", "replace", is_flag=True, help="Remplacer les modèles déjà présents.")
@handle_errors
def templates_command(folder: Path, replace: bool) -> None:
    """Copie les modèles des mails et des courriers dans DOSSIER, pour les adapter.

    Modifiez les textes (presentation.txt, documentation.txt, convention.txt,
    relance.txt) dans le Bloc-notes et la mise en page de la lettre (lettre.docx)
    dans Word, puis indiquez ce dossier dans Paramètres, à la ligne « Dossier des
    modèles de courriers et de mails » : les brouillons les utiliseront.

    \b
    Exemple :
      cbpt-sheets templates modeles
    """
    copied = operations.copy_templates(folder, force=replace)
    for path, done in copied:
        click.echo(f"{path}" + ("" if done else " (déjà présent, gardé tel quel)"))
    click.echo(
        f"Indiquez « {folder.resolve()} » dans Paramètres, à la ligne « Dossier des modèles "
        "de courriers et de mails »."
    )
