"""Program files: one YAML format to load (idempotently) and to export, byte for byte.

Loading never changes a published version: an unchanged file changes nothing, a changed
file becomes a new draft version, and the first load of a program publishes it. A shipped
file is the program's newest version; `load_program --publish` (and `seed_demo`) publish it
when it is new, so it becomes the version new enrolments use. Version numbers are given by
the database, in load order.

Languages: English is the program; Spanish sits beside each translated field as `<field>_es`
(and a fact's `label_es`/`value_es`), written out only where set. The content hash covers the
English only, so a file that adds or corrects Spanish is the same version: loading it refreshes
that version's Spanish in place (`outcome` "translated"); the English, the clinical content,
never changes in a published version.

Heart rate: a prescription gives a ceiling in beats a minute (`hr_max_bpm`, SAFETY.md
section 5). The old 60-80% band (`hr_min_pct`/`hr_max_pct`) is still read, so files of
versions published with it load unchanged, and is written out only where it is set."""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import (
    Block,
    Evidence,
    Exercise,
    Phase,
    Prescription,
    Program,
    ProgramVersion,
    SciaticaSource,
    SessionTemplate,
)
from .rules import PhaseRange, block_exercise_error, phase_coverage_errors, rpe_range_error
from .services import _next_number, version_publish

SCHEMA_VERSION = 1
DATA_DIR = Path(__file__).resolve().parent / "data"
SPANISH = "es"

EXERCISE_FIELDS = [
    "slug",
    "name",
    "kind",
    "body_region",
    "equipment",
    "instructions",
    "safety_notes",
    "supine",
    "replace_from_week",
    "replaced_by",
    "sciatica_sources",
    "evidence",
    "source",
]
VERSION_FIELDS = [
    "label",
    "session_minutes",
    "sessions_per_week",
    "start_week",
    "adherence_threshold_percent",
    "weekly_minutes_target",
    "notes",
    "facts",
]
PHASE_FIELDS = ["name", "start_week", "end_week", "description", "evidence", "source"]
TEMPLATE_FIELDS = ["code", "name", "description", "evidence", "source"]
BLOCK_FIELDS = ["kind", "minutes", "notes", "evidence", "source"]
PRESCRIPTION_FIELDS = [
    "exercise",
    "sets",
    "reps",
    "seconds",
    "rest_seconds",
    "rpe_min",
    "rpe_max",
    "hr_max_bpm",
    "hr_min_pct",
    "hr_max_pct",
    "load",
    "cue",
    "evidence",
    "source",
]


# The fields each kind of row has in both languages (programs/translation.py registers them).
TRANSLATED = {
    "program": ["name", "summary"],
    "version": ["notes"],
    "exercise": ["name", "equipment", "instructions", "safety_notes"],
    "phase": ["name", "description"],
    "template": ["name", "description"],
    "block": ["notes"],
    "prescription": ["load", "cue"],
    "fact": ["label", "value"],
}
KIND_FIELDS = {
    "version": VERSION_FIELDS,
    "exercise": EXERCISE_FIELDS,
    "phase": PHASE_FIELDS,
    "template": TEMPLATE_FIELDS,
    "block": BLOCK_FIELDS,
    "prescription": PRESCRIPTION_FIELDS,
}


def _es(field: str) -> str:
    return f"{field}_{SPANISH}"


def _with_spanish(kind: str, fields: list[str]) -> list[str]:
    """A kind's fields in file order, each translated one followed by its Spanish."""
    out = []
    for f in fields:
        out.append(f)
        if f in TRANSLATED[kind]:
            out.append(_es(f))
    return out


def english_only(data: dict) -> dict:
    """The file without its Spanish: what the content hash and the version's identity cover."""
    if isinstance(data, dict):
        return {k: english_only(v) for k, v in data.items() if not k.endswith(f"_{SPANISH}")}
    if isinstance(data, list):
        return [english_only(v) for v in data]
    return data


# Accepted on load, exported only when set: the band of versions published before the ceiling.
LEGACY_PRESCRIPTION_FIELDS = {"hr_min_pct", "hr_max_pct"}
HR_CEILING_RANGE = (90, 200)
HR_PCT_RANGE = (30, 100)


class ProgramFileError(ValidationError):
    pass


@dataclass
class LoadResult:
    program: Program
    version: ProgramVersion
    outcome: str  # "unchanged", "published" (first load) or "draft" (a changed file)
    exercises_created: int
    exercises_updated: int


def resolve_program_file(name: str) -> Path:
    """A shipped program's slug (programs/data/<slug>.yaml) or the path of any file."""
    shipped = DATA_DIR / f"{name}.yaml"
    if shipped.is_file():
        return shipped
    path = Path(name)
    if path.is_file():
        return path
    known = ", ".join(sorted(p.stem for p in DATA_DIR.glob("*.yaml")))
    raise ProgramFileError(f"No shipped program “{name}” and no such file. Shipped: {known}.")


def read_program_file(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProgramFileError(f"{path.name} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ProgramFileError(f"{path.name} does not hold a program.")
    return data


# --- validation -------------------------------------------------------------------------


def _choices(values, where, key, allowed, errors):
    if values.get(key) not in allowed:
        errors.append(
            f"{where}: {key} must be one of {', '.join(allowed)}; got {values.get(key)!r}."
        )


def validate_program_data(data: dict) -> list[str]:
    errors: list[str] = []
    if data.get("schema_version") != SCHEMA_VERSION:
        return [f"schema_version must be {SCHEMA_VERSION}; got {data.get('schema_version')!r}."]
    for section in ("program", "version", "exercises"):
        if section not in data:
            errors.append(f"Missing section “{section}”.")
    if errors:
        return errors
    if not data["program"].get("slug"):
        errors.append("program: slug is required.")
    slugs = [e.get("slug") for e in data["exercises"]]
    if len(slugs) != len(set(slugs)):
        errors.append("exercises: every slug must be unique.")
    # Each exercise's name and kind, the file's over the database's (for the block rules).
    kinds = {
        slug: (name, kind)
        for slug, name, kind in Exercise.objects.values_list("slug", "name", "kind")
    }
    kinds |= {e.get("slug"): (e.get("name"), e.get("kind")) for e in data["exercises"]}
    known = set(kinds)
    evidence = Evidence.values
    for exercise in data["exercises"]:
        where = f"exercise {exercise.get('slug')}"
        missing = [f for f in EXERCISE_FIELDS if f not in exercise]
        if missing:
            errors.append(f"{where}: missing {', '.join(missing)}.")
            continue
        _choices(exercise, where, "kind", Exercise.Kind.values, errors)
        _choices(exercise, where, "body_region", Exercise.Region.values, errors)
        _choices(exercise, where, "evidence", evidence, errors)
        bad = set(exercise["sciatica_sources"] or []) - set(SciaticaSource.values)
        if bad:
            errors.append(f"{where}: unknown sciatica sources {sorted(bad)}.")
        if exercise["replaced_by"] and exercise["replaced_by"] not in known:
            errors.append(f"{where}: replaced_by names an unknown exercise.")
    version = data["version"]
    phases = version.get("phases") or []
    errors += phase_coverage_errors(
        PhaseRange(p.get("name", "?"), p.get("start_week", 0), p.get("end_week", 0)) for p in phases
    )
    for phase in phases:
        for template in phase.get("templates") or []:
            t_where = f"{phase.get('name')} / {template.get('code')}"
            for block in template.get("blocks") or []:
                _choices(block, t_where, "kind", Block.Kind.values, errors)
                for rx in block.get("prescriptions") or []:
                    r_where = f"{t_where} / {rx.get('exercise')}"
                    if rx.get("exercise") not in known:
                        errors.append(f"{r_where}: unknown exercise.")
                    elif kinds[rx["exercise"]][1] in Exercise.Kind.values:
                        name, kind = kinds[rx["exercise"]]
                        problem = block_exercise_error(block.get("kind"), name, kind)
                        if problem:
                            errors.append(f"{r_where}: {problem}")
                    problem = rpe_range_error(rx.get("rpe_min"), rx.get("rpe_max"))
                    if problem:
                        errors.append(f"{r_where}: {problem}")
                    if rx.get("reps") is None and rx.get("seconds") is None:
                        errors.append(f"{r_where}: give reps or seconds.")
                    errors += _heart_rate_errors(rx, r_where)
    return errors


def _whole_in(value, bounds) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return bounds[0] <= value <= bounds[1]


def _heart_rate_errors(rx: dict, where: str) -> list[str]:
    errors = []
    ceiling = rx.get("hr_max_bpm")
    if ceiling is not None and not _whole_in(ceiling, HR_CEILING_RANGE):
        low, high = HR_CEILING_RANGE
        errors.append(f"{where}: hr_max_bpm is a ceiling from {low} to {high} beats a minute.")
    low_pct, high_pct = rx.get("hr_min_pct"), rx.get("hr_max_pct")
    for name, value in (("hr_min_pct", low_pct), ("hr_max_pct", high_pct)):
        if value is not None and not _whole_in(value, HR_PCT_RANGE):
            errors.append(f"{where}: {name} must be from 30 to 100.")
    both = _whole_in(low_pct, HR_PCT_RANGE) and _whole_in(high_pct, HR_PCT_RANGE)
    if both and low_pct > high_pct:
        errors.append(f"{where}: the heart-rate range must run from low to high.")
    return errors


def _content_hash(data: dict) -> str:
    data = english_only(data)
    canonical = {"program": data["program"], "version": data["version"]}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


# --- loading ----------------------------------------------------------------------------


@transaction.atomic
def program_load(data: dict, *, publish: bool = False) -> LoadResult:
    """Load a program file. With `publish`, a version that is still a draft (new, or loaded
    before without publishing) is published, so it becomes the current version."""
    errors = validate_program_data(data)
    if errors:
        raise ProgramFileError(errors)
    created, updated = _load_exercises(data["exercises"])
    info = data["program"]
    program, _ = Program.objects.get_or_create(
        slug=info["slug"], defaults={"name_en": info["name"]}
    )
    program.citation = info.get("citation", "")
    _set_texts(program, "program", info)
    program.full_clean()
    program.save()

    digest = _content_hash(data)
    same = program.versions.filter(content_hash=digest).order_by("-number").first()
    if same is not None:
        translated = _refresh_spanish(same, data["version"])
        if publish and not same.is_published:
            version_publish(version=same)
            same.refresh_from_db()
            return LoadResult(program, same, "published", created, updated)
        outcome = "translated" if translated else "unchanged"
        return LoadResult(program, same, outcome, created, updated)
    first_load = not program.versions.exists()
    version = _create_version(program, data["version"], digest)
    if first_load or publish:
        version_publish(version=version)
        version.refresh_from_db()
        return LoadResult(program, version, "published", created, updated)
    return LoadResult(program, version, "draft", created, updated)


def _load_exercises(rows: list[dict]) -> tuple[int, int]:
    existing = {e.slug: e for e in Exercise.objects.all()}
    created = updated = 0
    plain_fields = [
        f for f in EXERCISE_FIELDS if f not in ("slug", "replaced_by", *TRANSLATED["exercise"])
    ]
    for row in rows:
        exercise = existing.get(row["slug"])
        values = {f: row[f] if row[f] is not None else _blank(f) for f in plain_fields}
        values |= _texts("exercise", row)
        if exercise is None:
            exercise = Exercise(slug=row["slug"], **values)
            exercise.save()
            existing[row["slug"]] = exercise
            created += 1
        elif any(getattr(exercise, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(exercise, f, v)
            exercise.save()
            updated += 1
    for row in rows:  # replacements once every exercise exists
        exercise = existing[row["slug"]]
        target = existing[row["replaced_by"]].pk if row["replaced_by"] else None
        if exercise.replaced_by_id != target:
            exercise.replaced_by_id = target
            exercise.full_clean()
            exercise.save(update_fields=["replaced_by"])
    return created, updated


def _blank(field: str):
    return (
        [] if field == "sciatica_sources" else ("" if field not in ("replace_from_week",) else None)
    )


def _texts(kind: str, row: dict) -> dict:
    """A row's translated fields as model values: <field>_en from the file's <field>, and
    <field>_es (blank when the file has none, so the English shows)."""
    values = {}
    for f in TRANSLATED[kind]:
        values[f"{f}_en"] = row.get(f) or ""
        values[_es(f)] = row.get(_es(f)) or ""
    return values


def _set_texts(obj, kind: str, row: dict) -> bool:
    changed = False
    for name, value in _texts(kind, row).items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _spanish_of(obj, kind: str) -> dict:
    return {_es(f): getattr(obj, _es(f)) or "" for f in TRANSLATED[kind]}


def _refresh_spanish(version: ProgramVersion, info: dict) -> bool:
    """The file's English matches this version (same content hash): bring its Spanish up to
    the file's, row by row in order. The English and everything clinical stay as they are."""
    from .selectors import version_with_content

    version = version_with_content(version_id=version.pk)
    changed = []
    if _set_texts(version, "version", info) | (version.facts != info.get("facts", [])):
        version.facts = info.get("facts", [])
        changed.append(version)
    pairs = []
    for phase, p in zip(version.phases.all(), info["phases"], strict=True):
        pairs.append((phase, "phase", p))
        for t_obj, t in zip(phase.templates.all(), p.get("templates") or [], strict=True):
            pairs.append((t_obj, "template", t))
            for b_obj, b in zip(t_obj.blocks.all(), t.get("blocks") or [], strict=True):
                pairs.append((b_obj, "block", b))
                for rx, r in zip(
                    b_obj.prescriptions.all(), b.get("prescriptions") or [], strict=True
                ):
                    pairs.append((rx, "prescription", r))
    for obj, kind, row in pairs:
        wanted = {_es(f): row.get(_es(f)) or "" for f in TRANSLATED[kind]}
        if _spanish_of(obj, kind) != wanted:
            for name, value in wanted.items():
                setattr(obj, name, value)
            changed.append(obj)
    for obj in changed:
        fields = [_es(f) for f in TRANSLATED["version" if obj is version else _kind_of(obj)]]
        # A published version's content is locked in the admin; its Spanish is a rendering of
        # the same content, so the loader may bring it up to date (a queryset update, no save()).
        updates = {name: getattr(obj, name) for name in fields}
        if obj is version:
            updates["facts"] = version.facts
        type(obj).objects.filter(pk=obj.pk).update(**updates)
    return bool(changed)


def _kind_of(obj) -> str:
    return {
        Phase: "phase",
        SessionTemplate: "template",
        Block: "block",
        Prescription: "prescription",
    }[type(obj)]


def _create_version(program: Program, info: dict, digest: str) -> ProgramVersion:
    plain = [f for f in VERSION_FIELDS if f not in TRANSLATED["version"]]
    version = ProgramVersion(
        program=program,
        number=_next_number(program.pk),
        content_hash=digest,
        **{f: info.get(f) if info.get(f) is not None else "" for f in plain},
        **_texts("version", info),
    )
    version.full_clean()
    version.save()
    exercises = {e.slug: e for e in Exercise.objects.all()}
    phases, templates, blocks, prescriptions = [], [], [], []
    for p_order, p in enumerate(info["phases"]):
        phases.append(Phase(version=version, order=p_order, **_pick(p, "phase")))
    Phase.objects.bulk_create(phases)
    for phase, p in zip(phases, info["phases"], strict=True):
        for t_order, t in enumerate(p.get("templates") or []):
            templates.append(
                (SessionTemplate(phase=phase, order=t_order, **_pick(t, "template")), t)
            )
    SessionTemplate.objects.bulk_create([t for t, _ in templates])
    for template, t in templates:
        for b_order, b in enumerate(t.get("blocks") or []):
            blocks.append((Block(template=template, order=b_order, **_pick(b, "block")), b))
    Block.objects.bulk_create([b for b, _ in blocks])
    for block, b in blocks:
        for r_order, r in enumerate(b.get("prescriptions") or []):
            values = _pick(r, "prescription")
            values["exercise"] = exercises[values.pop("exercise")]
            rx = Prescription(block=block, order=r_order, **values)
            rx.full_clean(exclude=["block", "exercise"])
            prescriptions.append(rx)
    Prescription.objects.bulk_create(prescriptions)
    return version


def _pick(row: dict, kind: str) -> dict:
    text_fields = {"name", "description", "notes", "source", "load", "cue", "code", "evidence"}
    values = _texts(kind, row)
    for f in KIND_FIELDS[kind]:
        if f in TRANSLATED[kind]:
            continue
        value = row.get(f)
        if value is None and f in text_fields:
            value = ""
        if value is None and f == "rest_seconds":
            value = 0
        values[f] = value
    return values


# --- export -----------------------------------------------------------------------------


def _row(obj, kind: str, fields: list[str] | None = None) -> dict:
    """One row in file order: the English of a translated field under its plain name (whatever
    language is active), its Spanish beside it only where there is some."""
    out = {}
    for f in fields or KIND_FIELDS[kind]:
        if f in TRANSLATED[kind]:
            out[f] = getattr(obj, f"{f}_en") or ""
            spanish = getattr(obj, _es(f))
            if spanish:
                out[_es(f)] = spanish
        else:
            out[f] = getattr(obj, f)
    return out


def program_export(*, program: Program, version: ProgramVersion) -> dict:
    from .selectors import version_with_content

    version = version_with_content(version_id=version.pk)
    program_row = _row(program, "program", ["slug", "name", "summary"])
    program_row["citation"] = program.citation
    return {
        "schema_version": SCHEMA_VERSION,
        "program": program_row,
        "version": {
            **_row(version, "version"),
            "phases": [
                {
                    **_row(phase, "phase"),
                    "templates": [
                        {
                            **_row(t, "template"),
                            "blocks": [
                                {
                                    **_row(b, "block"),
                                    "prescriptions": [
                                        {
                                            **_row(
                                                rx,
                                                "prescription",
                                                [f for f in PRESCRIPTION_FIELDS if f != "exercise"],
                                            ),
                                            "exercise": rx.exercise.slug,
                                        }
                                        for rx in b.prescriptions.all()
                                    ],
                                }
                                for b in t.blocks.all()
                            ],
                        }
                        for t in phase.templates.all()
                    ],
                }
                for phase in version.phases.all()
            ],
        },
        "exercises": [
            {
                **_row(e, "exercise", [f for f in EXERCISE_FIELDS if f != "replaced_by"]),
                "replaced_by": e.replaced_by.slug if e.replaced_by else None,
            }
            for e in Exercise.objects.select_related("replaced_by").order_by("slug")
        ],
    }


FACT_FIELDS = ["key", "label", "label_es", "value", "value_es", "evidence", "source"]


def _ordered_fact(fact: dict) -> dict:
    # JSON columns do not keep key order on PostgreSQL (jsonb): restore the file's order.
    known = {f: fact[f] for f in FACT_FIELDS if f in fact}
    return known | {k: fact[k] for k in sorted(fact) if k not in known}


def _reorder(data: dict) -> dict:
    """Keys in the file's documented order (prescriptions start with their exercise)."""
    data["version"]["facts"] = [_ordered_fact(f) for f in data["version"]["facts"]]
    rx_fields = _with_spanish("prescription", PRESCRIPTION_FIELDS)
    for phase in data["version"]["phases"]:
        for template in phase["templates"]:
            for block in template["blocks"]:
                block["prescriptions"] = [
                    {
                        f: rx.get(f)
                        for f in rx_fields
                        if f in rx
                        and (f not in LEGACY_PRESCRIPTION_FIELDS or rx.get(f) is not None)
                    }
                    for rx in block["prescriptions"]
                ]
    exercise_fields = _with_spanish("exercise", EXERCISE_FIELDS)
    data["exercises"] = [{f: e[f] for f in exercise_fields if f in e} for e in data["exercises"]]
    return data


def dump_program(data: dict) -> str:
    return yaml.safe_dump(
        _reorder(data), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
