# The claim's partial indexes by kind, declared on Task (Task.Meta.indexes) from here on.
#
# Quality migration 0003 created them with RunSQL, outside the model state. On PostgreSQL they
# are still there: this migration finds them (IF NOT EXISTS) and only records them in the state,
# so a large task table is neither locked nor indexed again. On SQLite a later migration that
# rebuilt projects_task from the state (projects 0007) dropped them: this creates them again,
# with 0003's SQL. A fresh database gets them from 0003, then the same no-op. Reversed, the
# state forgets them and the database keeps them until 0003's reverse drops them.

from django.db import migrations, models

CLAIM_INDEXES = [
    ("task_claimable_ordinary", "open_slots > 0 AND gold IS NULL"),
    ("task_claimable_gold", "open_slots > 0 AND gold IS NOT NULL"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0007_project_dynamic_overlap'),
        ('quality', '0003_gold_workers_claim_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        f"CREATE INDEX IF NOT EXISTS {name} ON projects_task (batch_id, id) "
                        f"WHERE {condition}"
                        for name, condition in CLAIM_INDEXES
                    ],
                    reverse_sql=migrations.RunSQL.noop,
                ),
            ],
            state_operations=[
                migrations.AddIndex(
                    model_name='task',
                    index=models.Index(condition=models.Q(('open_slots__gt', 0), ('gold__isnull', True)), fields=['batch', 'id'], name='task_claimable_ordinary'),
                ),
                migrations.AddIndex(
                    model_name='task',
                    index=models.Index(condition=models.Q(('open_slots__gt', 0), ('gold__isnull', False)), fields=['batch', 'id'], name='task_claimable_gold'),
                ),
            ],
        ),
    ]
