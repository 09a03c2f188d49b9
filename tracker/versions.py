"""Data versions: a number for each client that changes whenever any row shown about her
changes, and one for everything shared (program content, the screen's questions, the ODI
wording, people's names), kept by the database itself.

Triggers (SQLite and PostgreSQL, installed after every `migrate`) bump a row of
`tracker_dataversion` on every INSERT, UPDATE and DELETE of the tables below, whatever wrote
them: a view, the API, the offline sync, the admin, a Celery task, a management command, a
data migration, a bulk update, raw SQL. A cached page part keyed by these versions (plus the
language, the date and the code: `tracker.fragments`) can therefore never be served stale, and
nothing ever needs deleting. Each row also holds a random token made when the row is made, so
a database rebuilt from scratch (tests, a restored dump) never meets an old key; the token is
drawn anew at each bump too, so a bump rolled back and made again never repeats a key.

Scope: a client's id, or GLOBAL (0) for what all pages share.
"""

GLOBAL = 0

# Tables whose rows are about one client: table -> SQL expression of her id in the trigger
# (`{row}` is NEW or OLD). Every model with a link to a client is here or in NOT_SHOWN
# (tests/tracker/test_versions.py checks both lists against the models).
CLIENT_TABLES = {
    "users_carelink": "{row}.client_id",
    "tracker_pregnancyprofile": "{row}.client_id",
    "tracker_screening": "{row}.client_id",
    "tracker_clearance": "{row}.client_id",
    "tracker_safetyitem": "{row}.client_id",
    "tracker_enrolment": "{row}.client_id",
    "tracker_scheduledsession": "{row}.client_id",
    "tracker_sessionlog": "{row}.client_id",
    "tracker_assessment": "{row}.client_id",
    "tracker_alert": "{row}.client_id",
    "tracker_ptnote": "{row}.client_id",
    "tracker_exerciseswap": "{row}.client_id",
    "tracker_planchange": "{row}.client_id",
    "tracker_notificationsettings": "{row}.user_id",
    "tracker_sessionlogrevision": (
        "(SELECT client_id FROM tracker_sessionlog WHERE id = {row}.log_id)"
    ),
    "tracker_exerciselog": "(SELECT client_id FROM tracker_sessionlog WHERE id = {row}.log_id)",
    "tracker_assessmentrevision": (
        "(SELECT client_id FROM tracker_assessment WHERE id = {row}.assessment_id)"
    ),
}
# Rows no cached part shows (their pages are never cached): no trigger, no write amplification.
NOT_SHOWN = {
    "tracker_notification",  # the unread count in the layout is read on every request
    "tracker_delivery",
    "tracker_pushsubscription",
    "tracker_auditevent",
    "users_consent",
    "users_apitoken",
    "users_requestkey",
    "users_invitation",
}
# Shared content: any change bumps GLOBAL.
GLOBAL_TABLES = [
    "programs_exercise",
    "programs_program",
    "programs_programversion",
    "programs_phase",
    "programs_sessiontemplate",
    "programs_block",
    "programs_prescription",
    "tracker_screeningquestion",
    "tracker_odisection",
]
# A person's row: a change to what pages show of her (her name on her PT's pages, her PT's
# name on hers) bumps her own version and GLOBAL (a PT's name shows on many clients' pages).
# Logging in (last_login) or a new password changes none of these.
USER_COLUMNS = [
    "full_name",
    "email",
    "role",
    "pt_approved",
    "is_active",
    "is_staff",
    "time_zone",
    "language",
]


def versions(scopes) -> dict[int, str]:
    """{scope: version} for these scopes and GLOBAL, in one query. A scope with no row yet
    (nothing about her was ever written) is "0"."""
    from .models import DataVersion

    wanted = {GLOBAL, *(int(s) for s in scopes)}
    rows = DataVersion.objects.filter(scope__in=wanted).values_list("scope", "token", "version")
    found = {scope: f"{token}.{version}" for scope, token, version in rows}
    return {scope: found.get(scope, "0") for scope in wanted}


def client_version(client) -> str:
    """What her cached page parts are keyed by: her version and the shared one (one query)."""
    found = versions([client.pk])
    return f"{client.pk}:{found[client.pk]}:{found[GLOBAL]}"


# --- the triggers ------------------------------------------------------------------------------


_SQLITE_BUMP = (
    "INSERT INTO tracker_dataversion (scope, token, version) "
    "SELECT s, lower(hex(randomblob(16))), 1 FROM (SELECT {expr} AS s) WHERE s IS NOT NULL "
    "ON CONFLICT(scope) DO UPDATE SET version = version + 1, token = lower(hex(randomblob(16)));"
)


def _bump_sqlite(expr: str) -> str:
    return _SQLITE_BUMP.format(expr=expr)  # one of this module's constant expressions


def _user_changed(old: str = "OLD", new: str = "NEW", same: str = "IS NOT") -> str:
    return " OR ".join(f"{old}.{c} {same} {new}.{c}" for c in USER_COLUMNS)


def _plan() -> list[tuple[str, str, dict[str, list[str]]]]:
    """(table, trigger suffix, {operation: [scope expressions of NEW/OLD]}) for every trigger."""
    plan = []
    for table, expr in CLIENT_TABLES.items():
        new, old = expr.format(row="NEW"), expr.format(row="OLD")
        plan.append((table, "", {"INSERT": [new], "UPDATE": [new, old], "DELETE": [old]}))
    for table in GLOBAL_TABLES:
        plan.append((table, "", {op: [str(GLOBAL)] for op in ("INSERT", "UPDATE", "DELETE")}))
    return plan


def _signature() -> str:
    import hashlib

    text = repr((_plan(), USER_COLUMNS, _bump_sqlite("x"), _PG_BUMP))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


_PG_BUMP = """
CREATE OR REPLACE FUNCTION prenafit_dv_bump(s bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF s IS NOT NULL THEN
    INSERT INTO tracker_dataversion (scope, token, version) VALUES (s, md5(random()::text), 1)
    ON CONFLICT (scope) DO UPDATE
    SET version = tracker_dataversion.version + 1, token = md5(random()::text);
  END IF;
END $$;
"""


def _sqlite_statements(prefix: str) -> list[str]:
    out = []
    for table, _suffix, operations in _plan():
        for op, exprs in operations.items():
            body = " ".join(_bump_sqlite(e) for e in exprs)
            out.append(
                f"CREATE TRIGGER {prefix}_{table}_{op.lower()} AFTER {op} ON {table} "
                f"BEGIN {body} END"
            )
    body = _bump_sqlite("NEW.id") + " " + _bump_sqlite(str(GLOBAL))
    out.append(
        f"CREATE TRIGGER {prefix}_users_user_update AFTER UPDATE ON users_user "
        f"WHEN {_user_changed()} BEGIN {body} END"
    )
    return out


def _postgresql_statements(prefix: str) -> list[str]:
    out = [_PG_BUMP]
    for table, _suffix, operations in _plan():
        new = " ".join(f"PERFORM prenafit_dv_bump({e});" for e in operations["INSERT"])
        old = " ".join(f"PERFORM prenafit_dv_bump({e});" for e in operations["DELETE"])
        out.append(
            f"CREATE OR REPLACE FUNCTION {prefix}_{table}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN IF TG_OP <> 'DELETE' THEN {new} END IF; "
            f"IF TG_OP <> 'INSERT' THEN {old} END IF; RETURN NULL; END $$;"
        )
        out.append(
            f"CREATE TRIGGER {prefix}_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {prefix}_{table}()"
        )
    out.append(
        f"CREATE OR REPLACE FUNCTION {prefix}_users_user() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN PERFORM prenafit_dv_bump(NEW.id); PERFORM prenafit_dv_bump({GLOBAL}); "
        "RETURN NULL; END $$;"
    )
    out.append(
        f"CREATE TRIGGER {prefix}_users_user AFTER UPDATE ON users_user FOR EACH ROW "
        f"WHEN ({_user_changed(same='IS DISTINCT FROM')}) "
        f"EXECUTE FUNCTION {prefix}_users_user()"
    )
    return out


def _existing(cursor, vendor: str) -> list[tuple[str, str]]:
    """(trigger name, table) of every data-version trigger in the database."""
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dv%'"
        )
    else:
        cursor.execute(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE 'dv%%'"
        )
    return cursor.fetchall()


def install_triggers(using: str = "default") -> bool:
    """Make the database's data-version triggers those of this code (their names carry a
    digest of their definition), and give it its shared row (its random token keeps a rebuilt
    database's keys apart from the last one's). Returns whether a trigger changed. Run after
    every migrate (tracker.apps) and so after every flush; a no-op when they are there. With
    no versions table (migrated back before tracker 0022), it only removes the triggers."""
    import secrets

    from django.db import connections, transaction

    connection = connections[using]
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"data-version triggers for {vendor}")
    prefix = f"dv{_signature()}"
    build = _sqlite_statements if vendor == "sqlite" else _postgresql_statements
    statements = build(prefix)
    wanted = sum(1 for s in statements if s.startswith("CREATE TRIGGER"))
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if "tracker_dataversion" not in connection.introspection.table_names(cursor):
            drop_triggers(cursor, vendor)
            return False
        cursor.execute(
            "INSERT INTO tracker_dataversion (scope, token, version) VALUES (%s, %s, 1) "
            "ON CONFLICT (scope) DO NOTHING",
            [GLOBAL, secrets.token_hex(16)],
        )
        existing = _existing(cursor, vendor)
        if sum(1 for name, _table in existing if name.startswith(prefix)) == wanted:
            return False
        drop_triggers(cursor, vendor)
        for statement in statements:
            cursor.execute(statement)
    return True


def drop_triggers(cursor, vendor: str) -> None:
    """Remove every data-version trigger (tracker 0022 does this when migrated back)."""
    for name, table in _existing(cursor, vendor):
        if vendor == "sqlite":
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        else:
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')


def caseload_version(pt) -> str:
    """What a PT's caseload parts are keyed by: which clients she looks after now, each one's
    version, and the shared one (one query)."""
    import hashlib

    from django.db.models import Q

    from users.selectors import linked_clients

    from .models import DataVersion

    rows = (
        DataVersion.objects.filter(
            Q(scope__in=linked_clients(pt=pt).values("pk")) | Q(scope=GLOBAL)
        )
        .order_by("scope")
        .values_list("scope", "token", "version")
    )
    return f"{pt.pk}:" + hashlib.sha256(repr(list(rows)).encode()).hexdigest()
