"""Every finding of checks.md declared once: its code, its severity, its French message.

As frictionless declares its errors: a ``FindingType`` holds the code, the severity
and the message template (``str.format`` fields); some findings say it in more than
one way (``variants``), and one of them, ``invalid-postcode``, is only a warning when
the leading zero was lost. The checks name a code and give the fields; nothing else
types a severity or a message. The second-generation codes are declared here too,
before the checks that emit them are built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cbpt_sheets.core import values as v
from cbpt_sheets.core.models import Severity

SEVERITY_FR: dict[str, str] = {"error": "erreur", "warning": "avertissement"}


@dataclass(frozen=True)
class FindingType:
    """A kind of finding: its code, severity and French message template(s)."""

    code: str
    severity: Severity
    template: str
    variants: Mapping[str, str] = field(default_factory=dict)  # other wordings, by name
    variant_severity: Mapping[str, Severity] = field(default_factory=dict)  # when it differs

    def message(self, variant: str | None = None, /, **fields: Any) -> str:
        """The French message, its fields filled (``variant``: one of the other wordings)."""
        template = self.template if variant is None else self.variants[variant]
        return template.format(**fields)

    def severity_of(self, variant: str | None = None) -> Severity:
        """The severity of a wording (the declared one unless the variant says otherwise)."""
        if variant is None:
            return self.severity
        return self.variant_severity.get(variant, self.severity)


def quote(value: Any) -> str:
    """A cell value between French quotes, for messages."""
    shown = v.text(value)
    return f"« {shown if shown is not None else ''} »"


def did_you_mean(hint: str | None) -> str:
    """`` Vouliez-vous dire « X » ?`` after a message, or nothing without a hint."""
    return f" Vouliez-vous dire « {hint} » ?" if hint else ""


_DECLARED: tuple[FindingType, ...] = (
    # ------------------------------------------------------------ structure
    FindingType(
        "missing-sheet",
        "error",
        "La feuille « {name} » est absente du classeur. Ajoutez-la (ou renommez la feuille "
        "qui en tient lieu « {name} »), avec sa ligne d'en-têtes en ligne 1.",
    ),
    FindingType(
        "missing-column",
        "error",
        "La colonne « {header} » est absente de la feuille « {sheet} ». Ajoutez une colonne "
        "intitulée « {header} » dans la ligne d'en-têtes.",
        variants={
            # Suivi is not required, but it carries « Ne pas contacter »: its absence is said
            "tracking": "La colonne « {header} » est absente de la feuille « {sheet} » : un "
            "« Ne pas contacter », « En pause » ou « Clos » ne peut pas y être lu, et les "
            "actions sont calculées comme si chaque organisation était suivie (les refus notés "
            "dans les appels restent respectés). Ajoutez une colonne intitulée « {header} » "
            "dans la ligne d'en-têtes et remplissez-la.",
        },
        variant_severity={"tracking": "warning"},
    ),
    FindingType(
        "duplicate-column",
        "error",
        "Deux colonnes désignent « {header} » (colonnes {first} et {second}). Seule la "
        "première est lue : fusionnez leur contenu puis supprimez ou renommez la seconde.",
    ),
    FindingType(
        "unknown-column",
        "warning",
        "La colonne « {header} » n'est pas une colonne prévue : elle est conservée mais "
        "ignorée. Si elle doit être lue, donnez-lui l'intitulé d'une colonne prévue.",
        variants={
            "hint": "La colonne « {header} » n'est pas une colonne prévue : elle est conservée "
            "mais ignorée. Vouliez-vous dire « {hint} » ? Si oui, corrigez l'en-tête.",
            # a column found by its values (schema.CONTENT_COLUMNS)
            "read-as": "La colonne {letter} ({header}) n'a pas l'intitulé « {hint} », mais ses "
            "valeurs sont celles de « {hint} » : elle est lue comme « {hint} », pour que ses "
            "« Ne pas contacter » soient respectés. Écrivez « {hint} » dans son en-tête.",
        },
    ),
    # ------------------------------------------------------------ cells
    FindingType(
        "required",
        "error",
        "« {header} » est obligatoire et cette ligne le laisse vide. Complétez la cellule, "
        "ou supprimez la ligne si elle est de trop.",
    ),
    FindingType(
        "invalid-date",
        "error",
        "{seen} n'est pas une date lisible dans « {header} ». Saisissez une date au format "
        "JJ/MM/AAAA (par exemple 03/12/2026).",
        variants={
            "weekday": "{seen} ne se lit pas : le {date} est un {actual}, pas un {named}. "
            "Corrigez le jour ou la date, au format JJ/MM/AAAA (par exemple 03/12/2026).",
            "no-such-day": "{seen} n'est une date dans aucune année proche. Saisissez une "
            "date au format JJ/MM/AAAA (par exemple 03/12/2026).",
        },
    ),
    FindingType(
        "date-as-text",
        "warning",
        "La date {seen} est écrite comme du texte : Excel ne peut ni la trier ni la "
        "comparer. Saisissez-la comme une date ({date}) ; check --fix le fait pour vous.",
    ),
    FindingType(
        "future-date",
        "error",
        "Ce contact est daté du {date}, après aujourd'hui ({today}). Notez un contact une "
        "fois fait ; un rappel prévu va dans « Rappeler le ».",
    ),
    FindingType(
        "invalid-time",
        "error",
        "{seen} n'est pas une heure. Saisissez une heure comme 14:30 (ou 14h30).",
    ),
    FindingType(
        "not-in-list",
        "error",
        "{seen} n'est pas une valeur possible pour « {header} ».{did_you_mean} Choisissez "
        "une valeur dans la liste déroulante.",
        variants={
            "settings-list": "{seen} n'est pas dans la liste des {where} de la feuille "
            "Paramètres.{did_you_mean} Choisissez un nom dans la liste déroulante, ou "
            "ajoutez-le d'abord dans Paramètres.",
        },
    ),
    FindingType(
        "list-spelling",
        "warning",
        "{seen} est écrit autrement que dans la liste : « {entry} ». La correction "
        "automatique (check --fix) l'écrit comme dans la liste.",
    ),
    FindingType(
        "invalid-phone",
        "error",
        "{seen} n'est pas un numéro de téléphone français valide. Saisissez dix chiffres, "
        "comme 01 23 45 67 89 (ou +33 1 23 45 67 89).",
    ),
    FindingType(
        "phone-format",
        "warning",
        "Le numéro {seen} n'est pas écrit sous la forme habituelle : écrivez-le « {phone} ». "
        "check --fix le réécrit pour vous.",
        variants={
            "number": "Le numéro {seen} a été saisi comme un nombre et a perdu son zéro "
            "initial : écrivez-le « {phone} ». check --fix le réécrit pour vous.",
        },
    ),
    FindingType(
        "invalid-email",
        "error",
        "{seen} n'est pas une adresse e-mail valide. Vérifiez-la : elle doit ressembler à "
        "prenom.nom@exemple.fr, sans espace.",
    ),
    FindingType(
        "invalid-postcode",
        "error",
        "{seen} n'est pas un code postal : il faut exactement 5 chiffres (par exemple "
        "75015).{did_you_mean}",
        variants={
            "lost-zero": "Le code postal {seen} a été saisi comme un nombre et a perdu son "
            "zéro initial : écrivez « {postcode} » (au format texte). check --fix le "
            "rétablit pour vous.",
        },
        variant_severity={"lost-zero": "warning"},  # as checks.md says
    ),
    FindingType(
        "invalid-number",
        "error",
        "{seen} n'est pas un nombre entier positif. Saisissez seulement un nombre, par "
        "exemple 120 (une estimation suffit).",
    ),
    FindingType(
        "formula-error",
        "error",
        "La cellule affiche l'erreur Excel {error} : sa formule ne donne pas de valeur. "
        "Corrigez la formule ou remplacez-la par la valeur.",
    ),
    # ------------------------------------------------------------ across rows and sheets
    FindingType(
        "duplicate-id",
        "error",
        "L'ID « {id} » est déjà celui de la ligne {first_row}. Chaque organisation doit "
        "avoir son propre ID : videz la cellule, l'outil en attribuera un nouveau.",
    ),
    FindingType(
        "duplicate-name",
        "error",
        "« {name} » figure déjà à la ligne {first_row} ({first_seen}). Regroupez les deux "
        "lignes en une seule, ou distinguez les noms (par exemple par la ville ou le site).",
    ),
    FindingType(
        "possible-duplicate",
        "warning",
        "Cette organisation partage le numéro {seen} avec « {other} » (ligne {other_row}). "
        "S'il s'agit de la même organisation, regroupez les deux lignes ; sinon, rien à "
        "faire.",
        variants={
            "email": "Cette organisation partage l'adresse e-mail {seen} avec « {other} » "
            "(ligne {other_row}). S'il s'agit de la même organisation, regroupez les deux "
            "lignes ; sinon, rien à faire.",
        },
    ),
    FindingType(
        "unknown-organisation",
        "error",
        "« {name} » ne correspond à aucune organisation de la feuille « {sheet} »."
        "{did_you_mean} Écrivez le Nom exactement comme dans Organisations, ou ajoutez-y "
        "l'organisation.",
    ),
    FindingType(
        "callback-before-call",
        "error",
        "« Rappeler le » ({callback}) tombe avant la date de l'appel ({date}). Corrigez "
        "l'une des deux dates.",
    ),
    FindingType(
        "outcome-needs-data",
        "error",
        "Résultat {seen} sans coordonnées : notez le numéro (« Téléphone obtenu »), "
        "l'adresse (« Email obtenu ») ou le service à qui écrire (« Service (courrier) »).",
        variants={
            "head-absent-callback": "Résultat {seen} sans précision : notez qui rappeler "
            "(« Interlocuteur ») ou quand (« Rappeler le »).",
            "send-info": "Résultat {seen} mais aucune adresse où l'envoyer : notez une "
            "adresse e-mail (« Email obtenu ») ou un service (« Service (courrier) »).",
        },
    ),
    FindingType(
        "meeting-missing",
        "warning",
        "Un rendez-vous a été fixé le {date} mais la feuille « {sheet} » n'en a aucun pour "
        "« {name} » à cette date ou après. Ajoutez-y le rendez-vous.",
    ),
    FindingType(
        "knows-cbpt-missing",
        "warning",
        "Un entretien a eu lieu mais « Connaît CBPT » est vide. Notez si l'interlocuteur "
        "connaissait déjà CBPT (Oui ou Non) : cela oriente le prochain échange.",
    ),
    FindingType(
        "result-before-held",
        "warning",
        "La « Suite » {seen} est remplie alors que le rendez-vous n'est pas « Réalisé ». "
        "Passez le Statut à « Réalisé » une fois le rendez-vous tenu, ou videz la Suite.",
    ),
    FindingType(
        "held-in-future",
        "error",
        "Ce rendez-vous est marqué « Réalisé » mais il est daté du {date}, après "
        "aujourd'hui. Corrigez la date ou le Statut (« Confirmé » en attendant).",
    ),
    FindingType(
        "contacted-after-opt-out",
        "error",
        "« {name} » a été contactée après le refus d'être recontacté noté ligne "
        "{refusal_row}. Respectez son refus : ne la recontactez plus ; si ce contact est "
        "une erreur de saisie, corrigez-le.",
        variants={
            "marked": "« {name} » a été contactée alors que l'organisation est marquée "
            "« Ne pas contacter ». Respectez son refus : ne la recontactez plus ; si ce "
            "contact est une erreur de saisie, corrigez-le.",
        },
    ),
    FindingType(
        "preparation-missing",
        "warning",
        "« {name} » a déjà été contactée mais sa préparation est incomplète ({fields}). "
        "Complétez ces informations avant le prochain échange.",
    ),
    FindingType(
        "retention-expired",
        "warning",
        "Personne n'a répondu chez « {name} » depuis le {date} (dernier échange, ou premier "
        "contact si personne n'a jamais répondu), soit plus de {months} mois : les données "
        "personnelles (interlocuteur, téléphones, e-mails) doivent être revues ou effacées "
        "(RGPD : cbpt-sheets rgpd list).",
    ),
    # ------------------------------------------------------------ second generation
    FindingType(
        "invalid-setting",
        "error",
        "{seen} n'est pas une valeur possible pour « {setting} » : il faut un nombre entier "
        "entre {low} et {high}. La valeur par défaut ({default}) est utilisée en attendant.",
    ),
    FindingType(
        "merged-cell",
        "warning",
        "Les cellules {range} sont fusionnées : leur valeur est lue dans la première "
        "({first}). Annulez la fusion et recopiez la valeur dans chaque cellule.",
    ),
    FindingType(
        "formula-no-value",
        "error",
        "La cellule porte une formule sans valeur enregistrée : le programme qui a enregistré "
        "le classeur ne calcule pas. Ouvrez et enregistrez le classeur dans Excel ou "
        "LibreOffice.",
    ),
    FindingType(
        "date-without-year",
        "warning",
        "La date {seen} n'a pas d'année : elle est lue comme le {date} ({why}). "
        "Saisissez-la avec son année ; check --fix l'écrit pour vous.",
    ),
    FindingType(
        "list-synonym",
        "warning",
        "{seen} est lu comme « {entry} » de la liste. Choisissez « {entry} » dans la liste "
        "déroulante ; check --fix l'écrit pour vous.",
    ),
    FindingType(
        "holiday-date",
        "warning",
        "Le rappel du {date} tombe {when} : personne ne répondra sans doute ce jour-là. "
        "Convenez d'un jour ouvré, par exemple le {suggestion}.",
        variants={
            "appointment": "Le rendez-vous du {date} tombe {when}. Vérifiez-le, ou proposez "
            "un jour ouvré, par exemple le {suggestion}.",
        },
    ),
    FindingType(
        "approached-by-other-library",
        "warning",
        "« {name} » est déjà suivie par la bibliothèque {library} (classeur {file}, "
        "étape\u00a0: {stage}). Accordez-vous avec elle avant de la contacter.",
        variants={
            # an opt-out holds for the whole network: never a mere « accordez-vous »
            "opt-out": "« {name} » a demandé à la bibliothèque {library} (classeur {file}) "
            "de ne plus être contactée. Ne l'appelez pas, annulez tout rendez-vous prévu "
            "avec elle, et mettez son Suivi à « Ne pas contacter ».",
        },
        variant_severity={"opt-out": "error"},
    ),
)

FINDINGS: dict[str, FindingType] = {kind.code: kind for kind in _DECLARED}
"""Every finding code with its declaration, in the order of checks.md."""

FINDING_CODES: dict[str, str] = {kind.code: kind.severity for kind in _DECLARED}
"""Every finding code of checks.md with its severity (the contract external tools rely on)."""
