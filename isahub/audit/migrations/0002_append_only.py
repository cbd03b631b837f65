"""The audit tables refuse UPDATE and DELETE, at the database, for every client.

On PostgreSQL a trigger raises; on SQLite (the demo) a trigger aborts the statement.
TRUNCATE is a table owner's operation (tests flush with it); production runs the service
as a role that does not own the tables (docs/operations.md), and verification catches a
truncation either way. Only someone who can drop the trigger can change history, and then
`audit_verify` names what they changed.
"""

from django.db import migrations

TABLES = ("audit_auditentry", "audit_auditseal")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION isahub_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION isahub_audit_append_only()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: {operation} refused'); END"
                )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            for operation in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS isahub_audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
