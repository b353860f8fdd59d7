"""Search (issue 15, item 4; docs/mediation.md "Search"): GIN indexes of the words
of the descriptions, messages and notes, on the same expression as the queries of
``disputes.search``.

Expression indexes, not a stored tsvector column: adding a column would rewrite
the message and note tables that the triggers of 0007 guard (on SQLite, rebuild
them), and every row would carry a copy of its text. An index writes no row. PostgreSQL only: the demo's SQLite has no
GIN or full-text search and matches plain substrings (README, limitations).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """The index in the model state everywhere, in the database on PostgreSQL only."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def words(field, name):
    return django.contrib.postgres.indexes.GinIndex(
        django.contrib.postgres.search.SearchVector(field, config="english"), name=name
    )


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0008_proposal_and_extension"),
    ]

    operations = [
        AddIndexOnPostgreSQL(
            model_name="dispute", index=words("description", "dispute_description_search")
        ),
        AddIndexOnPostgreSQL(model_name="message", index=words("body", "message_body_search")),
        AddIndexOnPostgreSQL(model_name="mediatornote", index=words("body", "note_body_search")),
    ]
