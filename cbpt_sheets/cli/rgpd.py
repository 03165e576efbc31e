"""``rgpd list``, ``rgpd export``, ``rgpd erase``: personal data as the CNIL asks.

Erasure is a deliberate act at the command line (the ribbon has no button for it):
it shows what it will erase and asks, unless ``--yes``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cbpt_sheets import operations
from cbpt_sheets.cli.app import (
    FORMAT_HELP,
    cli,
    echo_json,
    existing_path,
    force_option,
    forced,
    handle_errors,
    parse_day,
    say,
    today_option,
)

YES = frozenset({"o", "oui", "y", "yes"})


@cli.group("rgpd")
def rgpd_group() -> None:
    """Données personnelles (RGPD) : durée de conservation, droit d'accès, droit à l'effacement.

    \b
    Exemples :
      cbpt-sheets rgpd list suivi.xlsx
      cbpt-sheets rgpd export suivi.xlsx "Mme Durand" --format csv > durand.csv
      cbpt-sheets rgpd erase suivi.xlsx "Mme Durand"
      cbpt-sheets rgpd erase suivi.xlsx --expired
    """


@rgpd_group.command("list")
@click.argument("path", type=existing_path)
@today_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help=FORMAT_HELP)  # fmt: skip
@handle_errors
def list_command(path: Path, today: str | None, fmt: str) -> None:
    """Les personnes dont les données ont dépassé la durée de conservation, avec leurs cellules.

    La durée (Paramètres, 36 mois par défaut) court depuis le dernier échange où quelqu'un
    de l'organisation a répondu, ou depuis le premier contact si personne n'a jamais répondu.

    \b
    Exemples :
      cbpt-sheets rgpd list suivi.xlsx
      cbpt-sheets rgpd list suivi.xlsx --format json --today 2026-12-01
    """
    day = parse_day(today)
    result = operations.gdpr_list(operations.open_file(path), day)
    if fmt == "json":
        echo_json(result.as_json())
        return
    from cbpt_sheets.render.rgpd import list_text

    click.echo(list_text(result, path.name), nl=False)


@rgpd_group.command("export")
@click.argument("path", type=existing_path)
@click.argument("person")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="JSON, ou CSV pour Excel (séparateur « ; »).")  # fmt: skip
@today_option
@handle_errors
def export_command(path: Path, person: str, fmt: str, today: str | None) -> None:
    """Tout ce que le classeur contient sur une personne (droit d'accès), cellule par cellule.

    PERSON est un nom (« Durand », « Mme Durand »), un numéro de téléphone ou une adresse
    e-mail ; majuscules, accents et civilité sont ignorés.

    \b
    Exemples :
      cbpt-sheets rgpd export suivi.xlsx "Mme Durand"
      cbpt-sheets rgpd export suivi.xlsx s.durand@aphp.fr --format csv > durand.csv
    """
    _require_person(person)
    day = parse_day(today)
    result = operations.gdpr_export(operations.open_file(path), person, day)
    from cbpt_sheets.render.rgpd import french_spacing

    if not result.cells:
        click.echo(
            french_spacing(f"Aucune donnée sur « {person} » dans « {path.name} »."), err=True
        )
    if fmt == "json":
        echo_json(result.as_json())
        return
    from cbpt_sheets.render.rgpd import export_csv

    sys.stdout.write(export_csv(result.cells))
    sys.stdout.flush()


@rgpd_group.command("erase")
@click.argument("path", type=existing_path)
@click.argument("person", required=False)
@click.option("--expired", is_flag=True,
              help="Effacer toutes les personnes au-delà de la durée de conservation (rgpd list).")  # fmt: skip
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
@click.option("--reason", metavar="MOTIF",
              help="Motif inscrit au registre (par défaut : demande de la personne, ou durée dépassée). "
              "N'y mettez aucune donnée personnelle.")  # fmt: skip
@today_option
@force_option
@handle_errors
def erase_command(
    path: Path,
    person: str | None,
    expired: bool,
    yes: bool,
    reason: str | None,
    today: str | None,
) -> None:
    """Efface une personne (PERSON) ou toutes celles au-delà de la durée de conservation.

    Vide ses noms, fonctions, téléphones, e-mails et les notes qui la nomment, partout
    dans le classeur ; garde les organisations et l'historique des appels ; garde le
    refus d'être recontacté (Suivi « Ne pas contacter ») ; ajoute une ligne à la feuille
    Registre RGPD ; supprime les copies de sauvegarde du classeur, qui contiennent ces
    données. Montre ce qui sera effacé et demande confirmation, sauf avec --yes.

    \b
    Exemples :
      cbpt-sheets rgpd erase suivi.xlsx "Mme Durand"
      cbpt-sheets rgpd erase suivi.xlsx s.durand@aphp.fr --yes
      cbpt-sheets rgpd erase suivi.xlsx --expired --today 2026-12-01
    """
    if (person is None) == (not expired):
        raise click.UsageError(
            "Donnez soit une personne (nom, téléphone ou e-mail), soit --expired (pas les deux)."
        )
    if person is not None:
        _require_person(person)
    day = parse_day(today)
    source = operations.open_file(path, write=True)
    plan = operations.plan_erasure(source, day, person, expired, reason, forced())
    from cbpt_sheets.render.rgpd import done_text, french_spacing, preview_text

    distinct = _distinct_names(plan.people) if person is not None else []
    if len(distinct) > 1:
        several = french_spacing(
            f"« {person} » désigne {len(distinct)} personnes différentes : {', '.join(distinct)}."
        )
        if yes:  # irreversible: never several people on a guess
            raise click.UsageError(
                f"{several} Rien n'a été effacé. Donnez le nom complet, le téléphone ou "
                "l'e-mail de la personne, ou relancez sans --yes pour voir et confirmer."
            )
        click.echo(f"Attention : {several}", err=True)

    if not plan.people and plan.copies:
        names = ", ".join(c.name for c in plan.copies)
        click.echo(
            french_spacing(
                f"« {person} » n'est plus dans « {path.name} », mais ces copies de sauvegarde "
                f"le contiennent encore : {names}. Elles vont être supprimées."
            )
        )
        if yes or _confirmed():
            result = operations.gdpr_erase(plan, forced())
            removed = ", ".join(c.name for c in result.copies_removed)
            click.echo(french_spacing(f"Copies supprimées : {removed}."))
        else:
            click.echo("Rien n'a été effacé.")
        return
    if not plan.people:
        what = f"de « {person} »" if person else "au-delà de la durée de conservation"
        mentions = operations.gdpr_mentions(source, person, day) if person else []
        if mentions:  # named in no person column, but in notes: said, to clear by hand
            cells = ", ".join(f"{c.sheet}!{c.cell}" for c in mentions[:10])
            more = f" (et {len(mentions) - 10} autres)" if len(mentions) > 10 else ""
            say(
                f"« {person} » n'est dans aucune colonne de personne (Interlocuteur, "
                f"Responsable, téléphone, e-mail) de « {path.name} », rien n'a été effacé ; "
                f"mais ces cellules le nomment : {cells}{more}. Effacez-les à la main, ou "
                "relancez avec le nom tel qu'il est écrit dans une colonne Interlocuteur.",
                err=True,
            )
            sys.exit(1)
        click.echo(
            french_spacing(
                f"Aucune donnée personnelle {what} dans « {path.name} » : rien n'a été effacé."
            )
        )
        return
    click.echo(preview_text(plan))
    if not yes and not _confirmed():
        click.echo("Rien n'a été effacé.")
        return
    result = operations.gdpr_erase(plan, forced())
    click.echo(done_text(result), nl=False)
    if result.traces or plan.kept:
        where = ", ".join(result.traces) or "les cellules laissées telles quelles ci-dessus"
        click.echo(
            french_spacing(
                f"Attention : des traces restent ({where}). Corrigez-les à la main dans le "
                "classeur (par exemple un Nom d'organisation qui contient le nom de la personne)."
            ),
            err=True,
        )
        sys.exit(1)


def _require_person(person: str) -> None:
    """A blank PERSON is a usage error (exit 2): an empty shell variable erases nobody."""
    if not person.strip():
        raise click.UsageError(
            "PERSON est vide : donnez le nom, le téléphone ou l'e-mail de la personne "
            "(ou --expired pour rgpd erase)."
        )


def _distinct_names(people: list[Any]) -> list[str]:
    """The different people among ``people`` (one per organisation), by name as typed:
    the same name in two organisations counts once (accents, case and civility aside)."""
    from cbpt_sheets.core.rgpd import name_tokens

    seen: dict[tuple[str, ...], str] = {}
    for p in people:
        label = p.name or ", ".join(sorted(p.phones | p.emails)) or p.organisation
        seen.setdefault(name_tokens(label) or (label,), label)
    return list(seen.values())


def _confirmed() -> bool:
    """The volunteer's answer to « Effacer définitivement ces données ? [o/N] »."""
    from cbpt_sheets.render.rgpd import french_spacing

    answer = click.prompt(
        french_spacing("Effacer définitivement ces données ? [o/N]"),
        default="n",
        show_default=False,
        prompt_suffix=" ",
    )
    return str(answer).strip().lower() in YES
