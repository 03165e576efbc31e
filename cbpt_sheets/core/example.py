"""The example data: a fictional Paris network, dated relative to today so the demo always has work due.

Rows are dicts keyed by column key (schema.py) with list values given as list codes,
so that the same data fills the French and the English workbook. Every organisation
illustrates one situation of the call guide; together they cover every outcome,
every appointment status and most rules of next-actions.md, and pass every check.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cbpt_sheets.core.calendar import add_working_days, is_working_day, weekday_fr

VOLUNTEERS = ("Claire Martin", "Jacques Lefèvre")
LIBRARIES = ("Paris 15 – Vaugirard", "Paris 14 – Plaisance")
VOLUNTEER_EMAILS = {
    "Claire Martin": "claire.martin@cbpt-vaugirard.fr",
    "Jacques Lefèvre": "jacques.lefevre@cbpt-plaisance.fr",
}
LIBRARY_ADDRESSES = {
    "Paris 15 – Vaugirard": "12 rue des Favorites, 75015 Paris",
    "Paris 14 – Plaisance": "3 rue Didot, 75014 Paris",
}

Row = dict[str, Any]

# name, type, activity, postcode, staff, head, head_role, knows, tracking, library index
_ORGS: tuple[tuple[str, str, str, str, int, str, str, str | None, str | None, int], ...] = (
    ("Hôpital des Glycines", "sante", "Hôpital de court séjour", "75015", 850, "M. Bernard Roux", "Directeur", None, None, 0),
    ("EHPAD Les Tilleuls", "seniors", "Maison de retraite médicalisée", "75014", 60, "Mme Sylvie Perrin", "Directrice", None, None, 1),
    ("Banque Vaugirard – CSE", "entreprise", "Banque de détail", "75015", 420, "Mme Anne Lambert", "Secrétaire du CSE", "yes", None, 0),
    ("Mairie annexe de Brancion", "administration", "Services municipaux", "75015", 75, "M. Paul Girard", "Directeur général des services", None, None, 0),
    ("École élémentaire des Volontaires", "education", "École primaire publique", "75015", 28, "Mme Hélène Morel", "Directrice", None, None, 0),
    ("Association Les Amis de Plaisance", "association", "Animation de quartier", "75014", 12, "M. Louis Fontaine", "Président", None, None, 1),
    ("Clinique du Parc Montsouris", "sante", "Clinique chirurgicale", "75014", 310, "Dr Camille Renaud", "Directrice médicale", None, None, 1),
    ("Lumière Conseil", "entreprise", "Cabinet de conseil", "75015", 95, "M. Olivier Chevalier", "Directeur des ressources humaines", None, None, 0),
    ("Résidence seniors Les Jardins d'Alésia", "seniors", "Résidence services seniors", "75014", 35, "Mme Martine Gauthier", "Responsable de résidence", None, None, 1),
    ("Théâtre de la Gaîté Fictive", "association", "Théâtre associatif", "75014", 18, "M. Julien Mercier", "Administrateur", None, None, 1),
    ("Groupe hospitalier Paris-Vanves", "sante", "Centre hospitalier", "75014", 1200, "Mme Isabelle Faure", "Directrice des soins", None, None, 1),
    ("Crèche Les Petits Lecteurs", "education", "Crèche associative", "75015", 14, "Mme Nadia Benali", "Directrice", None, None, 0),
    ("Maison des associations du 14e", "association", "Accueil des associations", "75014", 8, "M. Thomas Blanc", "Coordinateur", None, None, 1),
    ("Cabinet Dubreuil Avocats", "entreprise", "Cabinet d'avocats", "75015", 40, "Me Pierre Dubreuil", "Associé gérant", None, None, 0),
    ("Laboratoires Cervin", "entreprise", "Laboratoire pharmaceutique", "75015", 260, "Mme Laure Vidal", "Directrice du site", None, None, 0),
    ("Foyer-logement Castagnary", "seniors", "Foyer-logement pour personnes âgées", "75015", 22, "M. Henri Colin", "Directeur", None, None, 0),
    ("Centre social Didot", "association", "Centre social", "75014", 25, "Mme Sophie Lemaire", "Directrice", None, None, 1),
    ("Institut médical des Cordeliers", "sante", "Centre de rééducation", "75015", 480, "M. François Garnier", "Directeur", None, None, 0),
    ("Assurances Alésia – CSE", "entreprise", "Assurances", "75014", 650, "M. Marc Rousseau", "Secrétaire du CSE", None, None, 1),
    ("Caisse d'allocations Plaisance", "administration", "Organisme social", "75014", 140, "Mme Élise Robin", "Directrice d'agence", None, None, 1),
    ("Lycée Jean-Baptiste Fictif", "education", "Lycée général", "75015", 110, "M. Antoine Marchand", "Proviseur", None, None, 0),
    ("Association sportive Montsouris", "association", "Club omnisports", "75014", 30, "Mme Chantal Dumont", "Présidente", None, None, 1),
    ("Géotech Ingénierie – CSE", "entreprise", "Bureau d'études", "75015", 180, "M. Karim Haddad", "Trésorier du CSE", "no", None, 0),
    ("Maison de santé Pernety", "sante", "Maison de santé pluridisciplinaire", "75014", 26, "Dr Lucie Brun", "Coordinatrice", None, None, 1),
    ("Agence immobilière du Square", "entreprise", "Agence immobilière", "75015", 12, "M. Yves Barbier", "Gérant", None, None, 0),
    ("Paroisse Saint-Amand – association", "association", "Association paroissiale", "75015", 6, "P. Étienne Collet", "Curé", None, None, 0),
    ("Conservatoire de la Porte Brune", "administration", "Conservatoire municipal", "75014", 45, "Mme Agnès Picard", "Directrice", None, "clos", 1),
    ("Club des retraités Pernety", "association", "Club du troisième âge", "75014", 4, "M. Roger Lemoine", "Président", None, "pause", 1),
    ("Fondation Bonne Lecture", "sante", "Établissement de soins de suite", "75015", 90, "Mme Claire Arnaud", "Directrice", "yes", "partenaire", 0),
    ("Mairie annexe de Plaisance", "administration", "Services municipaux", "75014", 60, "M. Denis Caron", "Directeur de cabinet", None, None, 1),
    ("Collège Léonie Fictive", "education", "Collège public", "75015", 70, "Mme Valérie Noël", "Principale", None, None, 0),
    ("Entreprise Bâti-Sud", "entreprise", "BTP", "75014", 230, "M. Alain Perret", "Directeur général", None, None, 1),
    ("Résidence Les Cèdres", "seniors", "EHPAD", "75015", 55, "Mme Odile Meunier", "Directrice", None, None, 0),
)  # fmt: skip

_STREETS = (
    "rue de Vaugirard", "rue Lecourbe", "avenue du Maine", "rue d'Alésia", "rue Raymond-Losserand",
    "rue de la Convention", "boulevard Brune", "rue Didot", "rue de Vouillé", "rue Castagnary",
)  # fmt: skip


def _slug(name: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", name.split("–")[0]).encode("ascii", "ignore").decode()
    words = [
        w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split() if len(w) > 2
    ]
    return "-".join(words[:3])


def _phone(i: int, prefix: str = "01 45") -> str:
    return f"{prefix} {30 + i:02d} {(17 * i) % 90 + 10:02d} {(31 * i) % 90 + 10:02d}"


def organisations() -> list[Row]:
    """The organisations of the example, each with its preparation done (but two)."""
    rows: list[Row] = []
    for i, (
        name,
        kind,
        activity,
        postcode,
        staff,
        head,
        head_role,
        knows,
        tracking,
        lib,
    ) in enumerate(_ORGS):
        rows.append(
            {
                "id": f"ORG-{i + 1:04d}" if i % 4 else None,  # some IDs left blank for the tool
                "name": name,
                "type": kind,
                "activity": activity,
                "address": f"{10 + 7 * i} {_STREETS[i % len(_STREETS)]}",
                "postcode": postcode,
                "city": "Paris",
                "staff": staff,
                "switchboard": _phone(i),
                "head": head,
                "head_role": head_role,
                "library": LIBRARIES[lib],
                "volunteer": VOLUNTEERS[lib],
                "objective": "Adhésion collective du personnel"
                if kind == "entreprise"
                else "Faire connaître la bibliothèque",
                "offer": "Prêt de livres, conseils, animations",
                "knows_cbpt": knows,
                "tracking": tracking,
            }
        )
    by_name = {r["name"]: r for r in rows}
    # Situations of the preparation stage (rules 14 and 15).
    by_name["Crèche Les Petits Lecteurs"]["switchboard"] = None
    by_name["Maison des associations du 14e"]["objective"] = None
    by_name["Maison des associations du 14e"]["staff"] = None
    # A contact already known for a few of them.
    for name, contact, role, phone, email in (
        (
            "Banque Vaugirard – CSE",
            "Mme Anne Lambert",
            "Secrétaire du CSE",
            "06 12 45 78 90",
            "a.lambert@banque-vaugirard.fr",
        ),
        (
            "Fondation Bonne Lecture",
            "M. Hugo Lefort",
            "Animateur",
            "06 23 56 89 12",
            "animation@bonne-lecture.fr",
        ),
        (
            "Géotech Ingénierie – CSE",
            "M. Karim Haddad",
            "Trésorier du CSE",
            None,
            "cse@geotech-ingenierie.fr",
        ),
    ):
        by_name[name].update(
            contact=contact, contact_role=role, contact_phone=phone, contact_email=email
        )
    by_name["Résidence Les Cèdres"]["notes"] = "Ancienne partenaire, à relancer en priorité"
    return rows


def _wd(today: dt.date, days: int) -> dt.date:
    """``days`` working days after today: call-backs and meetings fall on working days."""
    return add_working_days(today, days)


def _meeting_day(today: dt.date, days: int) -> dt.date:
    """``days`` calendar days from today, moved off weekends and holidays (forward in the future)."""
    day = today + dt.timedelta(days=days)
    step = dt.timedelta(days=1 if days > 0 else -1)
    while not is_working_day(day):
        day += step
    return day


def _d(today: dt.date, days: int) -> dt.date:
    return today + dt.timedelta(days=days)


def contacts(today: dt.date) -> list[Row]:
    """The contact log: every outcome of the call guide, dated relative to ``today``."""
    v0, v1 = VOLUNTEERS
    t = dt.time
    c: list[Row] = []

    def add(
        org: str, days: int, outcome: str, vol: str, hour: dt.time | None = None, **extra: Any
    ) -> None:
        c.append(
            {
                "date": _d(today, days),
                "time": hour,
                "organisation": org,
                "volunteer": vol,
                "outcome": outcome,
                **extra,
            }
        )

    step4 = {"knows_cbpt": "no"}
    # Rule 20: head absent, call back agreed.
    add("Hôpital des Glycines", -9, "no-answer", v0, t(10, 0))
    add(
        "Hôpital des Glycines",
        -2,
        "head-absent-callback",
        v0,
        t(14, 30),
        contact="Mme Durand",
        role="cadre de santé",
        callback_date=_wd(today, 2),
        callback_slot=f"{weekday_fr(_wd(today, 2))} matin",
    )
    # Rules 4 and 5: appointments to confirm and to prepare.
    add(
        "EHPAD Les Tilleuls",
        -12,
        "redirected",
        v1,
        t(9, 30),
        contact="Mme Pauline Vasseur",
        role="animatrice",
        phone="01 53 68 21 40",
    )
    add(
        "EHPAD Les Tilleuls",
        -6,
        "meeting-set",
        v1,
        t(11, 0),
        contact="Mme Pauline Vasseur",
        **step4,
        expectations="Lectures à voix haute le jeudi",
    )
    add(
        "Banque Vaugirard – CSE",
        -20,
        "call-back",
        v0,
        t(12, 15),
        contact="Mme Anne Lambert",
        knows_cbpt="yes",
        callback_date=_d(today, -10),
    )
    add(
        "Banque Vaugirard – CSE",
        -10,
        "meeting-set",
        v0,
        t(12, 30),
        contact="Mme Anne Lambert",
        knows_cbpt="yes",
        expectations="Créneau entre midi et deux",
    )
    # Rule 6: an appointment past, still confirmed.
    add("Mairie annexe de Brancion", -25, "no-answer", v0)
    add(
        "Mairie annexe de Brancion",
        -21,
        "meeting-set",
        v0,
        t(16, 0),
        contact="M. Paul Girard",
        **step4,
    )
    # Rules 7 to 12: appointments held.
    add(
        "École élémentaire des Volontaires",
        -30,
        "meeting-set",
        v0,
        t(8, 45),
        contact="Mme Hélène Morel",
        **step4,
        expectations="Lectures pour les CP",
    )
    add(
        "Association Les Amis de Plaisance",
        -40,
        "mail-sent",
        v1,
        channel="email",
        email="contact@amis-plaisance.fr",
    )
    add(
        "Association Les Amis de Plaisance",
        -33,
        "meeting-set",
        v1,
        t(18, 0),
        contact="M. Louis Fontaine",
        knows_cbpt="yes",
    )
    add(
        "Clinique du Parc Montsouris",
        -45,
        "redirected",
        v1,
        t(10, 30),
        contact="M. Rémi Caillaud",
        role="responsable qualité de vie au travail",
        email="qvt@clinique-montsouris.fr",
    )
    add(
        "Clinique du Parc Montsouris",
        -42,
        "mail-sent",
        v1,
        channel="email",
        contact="M. Rémi Caillaud",
    )
    add(
        "Clinique du Parc Montsouris",
        -35,
        "meeting-set",
        v1,
        t(15, 0),
        contact="M. Rémi Caillaud",
        **step4,
    )
    add("Lumière Conseil", -28, "meeting-set", v0, t(9, 0), contact="M. Olivier Chevalier", **step4)
    add(
        "Résidence seniors Les Jardins d'Alésia",
        -60,
        "meeting-set",
        v1,
        t(14, 0),
        contact="Mme Martine Gauthier",
        **step4,
    )
    add(
        "Théâtre de la Gaîté Fictive",
        -50,
        "meeting-set",
        v1,
        t(17, 0),
        contact="M. Julien Mercier",
        knows_cbpt="yes",
    )
    # Rule 13: an appointment cancelled, another postponed.
    add(
        "Groupe hospitalier Paris-Vanves",
        -26,
        "redirected",
        v1,
        t(11, 30),
        contact="Mme Isabelle Faure",
        phone="01 40 44 12 34",
    )
    add(
        "Groupe hospitalier Paris-Vanves",
        -19,
        "meeting-set",
        v1,
        t(11, 45),
        contact="Mme Isabelle Faure",
        **step4,
    )
    add("Entreprise Bâti-Sud", -16, "meeting-set", v1, t(10, 0), contact="M. Alain Perret", **step4)
    # Rule 17: no answer, call again; rule 18: too many, change channel.
    add("Laboratoires Cervin", -3, "no-answer", v0, t(10, 0))
    add("Mairie annexe de Plaisance", -8, "no-answer", v1, t(9, 0))
    add("Mairie annexe de Plaisance", -4, "no-answer", v1, t(15, 0))
    for days in (-15, -11, -7):
        add("Foyer-logement Castagnary", days, "no-answer", v0, t(10, 30))
    # Rule 19: wrong number.
    add("Centre social Didot", -1, "wrong-number", v1, t(14, 0))
    # Rules 21 to 24: redirections.
    add(
        "Institut médical des Cordeliers",
        -4,
        "redirected",
        v0,
        t(11, 0),
        contact="Mme Agathe Lenoir",
        role="responsable de l'animation",
        phone="01 44 38 17 52",
    )
    add(
        "Assurances Alésia – CSE",
        -3,
        "redirected",
        v1,
        t(16, 30),
        contact="M. Marc Rousseau",
        role="secrétaire du CSE",
        email="cse@assurances-alesia.fr",
    )
    add(
        "Caisse d'allocations Plaisance",
        -5,
        "redirected",
        v1,
        t(10, 15),
        department="Service de l'action sociale",
    )
    add("Lycée Jean-Baptiste Fictif", -6, "no-answer", v0, t(8, 30))
    add("Lycée Jean-Baptiste Fictif", -2, "no-redirection", v0, t(9, 0))
    # Rule 25: after an e-mail, call to follow up.
    add(
        "Association sportive Montsouris",
        -9,
        "redirected",
        v1,
        t(18, 30),
        contact="Mme Chantal Dumont",
        email="presidence@as-montsouris.fr",
    )
    add(
        "Association sportive Montsouris",
        -8,
        "mail-sent",
        v1,
        channel="email",
        contact="Mme Chantal Dumont",
    )
    # Rule 27: a conversation, call back.
    add(
        "Géotech Ingénierie – CSE",
        -7,
        "call-back",
        v0,
        t(13, 0),
        contact="M. Karim Haddad",
        knows_cbpt="no",
        callback_date=_wd(today, 3),
        callback_slot="14h-16h",
        expectations="Intérêt pour les romans policiers",
    )
    add(
        "Collège Léonie Fictive",
        -14,
        "head-absent-callback",
        v0,
        t(10, 0),
        contact="Mme Valérie Noël",
        callback_date=_d(today, -12),
    )
    add(
        "Collège Léonie Fictive",
        -12,
        "call-back",
        v0,
        t(10, 0),
        contact="Mme Valérie Noël",
        **step4,
    )
    # Rule 28: send the documentation.
    add(
        "Maison de santé Pernety",
        -1,
        "send-info",
        v1,
        t(12, 0),
        contact="Dr Lucie Brun",
        email="coordination@msp-pernety.fr",
        knows_cbpt="yes",
    )
    # Rule 29: not interested, recontact later.
    add(
        "Agence immobilière du Square",
        -120,
        "not-interested",
        v0,
        t(11, 0),
        contact="M. Yves Barbier",
        **step4,
    )
    # Rule 1: asked not to be contacted.
    add(
        "Paroisse Saint-Amand – association",
        -90,
        "opt-out",
        v0,
        t(10, 0),
        contact="P. Étienne Collet",
        **step4,
    )
    # Rules 2, 3 and 11 (Suivi): history of closed, paused and partner organisations.
    add(
        "Conservatoire de la Porte Brune",
        -200,
        "not-interested",
        v1,
        t(14, 0),
        contact="Mme Agnès Picard",
        **step4,
    )
    add(
        "Club des retraités Pernety",
        -65,
        "call-back",
        v1,
        t(15, 30),
        contact="M. Roger Lemoine",
        knows_cbpt="yes",
    )
    add(
        "Fondation Bonne Lecture",
        -300,
        "meeting-set",
        v0,
        t(10, 0),
        contact="M. Hugo Lefort",
        knows_cbpt="yes",
    )
    add("Résidence Les Cèdres", -5, "letter-sent", v0, channel="letter", department="Direction")
    # Earlier history, for a fuller log.
    add("Résidence seniors Les Jardins d'Alésia", -70, "no-answer", v1, t(9, 15))
    add(
        "Résidence seniors Les Jardins d'Alésia",
        -66,
        "head-absent-callback",
        v1,
        t(9, 20),
        contact="Mme Martine Gauthier",
        callback_date=_d(today, -62),
        callback_slot="lundi après-midi",
    )
    add("Théâtre de la Gaîté Fictive", -58, "no-answer", v1, t(17, 30))
    add(
        "Théâtre de la Gaîté Fictive",
        -55,
        "call-back",
        v1,
        t(17, 40),
        contact="M. Julien Mercier",
        knows_cbpt="yes",
        callback_date=_d(today, -51),
    )
    add("Lumière Conseil", -35, "no-answer", v0, t(9, 5))
    add(
        "Lumière Conseil",
        -31,
        "send-info",
        v0,
        t(9, 10),
        contact="M. Olivier Chevalier",
        email="rh@lumiere-conseil.fr",
        **step4,
    )
    add("Lumière Conseil", -30, "mail-sent", v0, channel="email", contact="M. Olivier Chevalier")
    add("École élémentaire des Volontaires", -37, "no-answer", v0, t(8, 40))
    add(
        "École élémentaire des Volontaires",
        -34,
        "head-absent-callback",
        v0,
        t(8, 50),
        contact="Mme Hélène Morel",
        callback_date=_d(today, -31),
    )
    add(
        "Mairie annexe de Brancion",
        -28,
        "wrong-number",
        v0,
        t(9, 0),
        notes="Ancien numéro du standard",
    )
    add("Institut médical des Cordeliers", -10, "no-answer", v0, t(11, 0))
    add("Assurances Alésia – CSE", -9, "no-answer", v1, t(16, 0))
    add("Caisse d'allocations Plaisance", -11, "no-redirection", v1, t(10, 0))
    add(
        "Entreprise Bâti-Sud",
        -22,
        "head-absent-callback",
        v1,
        t(9, 0),
        contact="M. Alain Perret",
        callback_date=_d(today, -18),
        callback_slot="vendredi matin",
    )
    add("Groupe hospitalier Paris-Vanves", -30, "no-answer", v1, t(14, 0))
    add("Agence immobilière du Square", -130, "no-answer", v0, t(10, 0))
    add("Géotech Ingénierie – CSE", -14, "no-answer", v0, t(12, 50))
    add("Clinique du Parc Montsouris", -48, "no-answer", v1, t(10, 0))
    add(
        "Fondation Bonne Lecture",
        -320,
        "redirected",
        v0,
        t(11, 0),
        contact="M. Hugo Lefort",
        phone="06 23 56 89 12",
    )
    add("Maison de santé Pernety", -4, "no-answer", v1, t(12, 0))
    add("Laboratoires Cervin", -8, "no-answer", v0, t(10, 30))
    add("Centre social Didot", -6, "no-answer", v1, t(14, 10))
    c.sort(key=lambda r: (r["date"], r["time"] or dt.time(0)))
    return c


def appointments(today: dt.date) -> list[Row]:
    """The appointments: every status, and every Suite of a meeting held."""
    v0, v1 = VOLUNTEERS

    def app(
        org: str,
        days: int,
        hour: int,
        place: str,
        status: str | None,
        vol: str,
        contact: str,
        **extra: Any,
    ) -> Row:
        return {"organisation": org, "date": _meeting_day(today, days), "time": dt.time(hour, 0), "place": place,
                "status": status, "volunteer": vol, "contact": contact, **extra}  # fmt: skip

    return [
        app("EHPAD Les Tilleuls", 6, 15, "theirs", "proposed", v1, "Mme Pauline Vasseur"),
        app(
            "Banque Vaugirard – CSE",
            4,
            12,
            "library",
            "confirmed",
            v0,
            "Mme Anne Lambert",
            library_visit="yes",
        ),
        app("Mairie annexe de Brancion", -3, 10, "theirs", "confirmed", v0, "M. Paul Girard"),
        app("École élémentaire des Volontaires", -8, 9, "theirs", "held", v0, "Mme Hélène Morel"),
        app(
            "Association Les Amis de Plaisance",
            -20,
            18,
            "library",
            "held",
            v1,
            "M. Louis Fontaine",
            library_visit="yes",
            result="event",
            welcome_event="Café littéraire d'accueil",
        ),
        app(
            "Clinique du Parc Montsouris",
            -15,
            14,
            "theirs",
            "held",
            v1,
            "M. Rémi Caillaud",
            result="convention",
        ),
        app(
            "Lumière Conseil",
            -12,
            12,
            "theirs",
            "held",
            v0,
            "M. Olivier Chevalier",
            result="follow-up",
        ),
        app(
            "Résidence seniors Les Jardins d'Alésia",
            -45,
            15,
            "theirs",
            "held",
            v1,
            "Mme Martine Gauthier",
            result="collective",
        ),
        app(
            "Théâtre de la Gaîté Fictive",
            -40,
            17,
            "library",
            "held",
            v1,
            "M. Julien Mercier",
            library_visit="yes",
            result="none",
        ),
        app(
            "Groupe hospitalier Paris-Vanves",
            -5,
            11,
            "theirs",
            "cancelled",
            v1,
            "Mme Isabelle Faure",
        ),
        app(
            "Entreprise Bâti-Sud",
            -2,
            10,
            "library",
            "postponed",
            v1,
            "M. Alain Perret",
            library_visit="yes",
        ),
        app(
            "Fondation Bonne Lecture",
            -290,
            10,
            "theirs",
            "held",
            v0,
            "M. Hugo Lefort",
            result="deposit",
        ),
        app(
            "Banque Vaugirard – CSE",
            25,
            12,
            "theirs",
            None,
            v0,
            "Mme Anne Lambert",
            notes="Second rendez-vous : présentation au personnel",
        ),
    ]


def example_data(today: dt.date) -> dict[str, list[Row]]:
    """All the example rows by sheet key."""
    return {
        "organisations": organisations(),
        "calls": contacts(today),
        "appointments": appointments(today),
    }
