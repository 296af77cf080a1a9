from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommonConfig(AppConfig):
    name = "microwork.common"
    label = "common"

    def ready(self):
        # Sent once per app with models (this one has none): taken from any; the tables are
        # made with "if not exists", so again and again is cheap.
        post_migrate.connect(queue_tables_create, dispatch_uid="microwork-queue-tables")


def queue_tables_create(*, using: str = "default", **_kwargs) -> None:
    """The job queue's own tables (PostgreSQL: huey_*), made by `microwork migrate` as well as by
    `microwork worker`: a page that queues a job (an email, a webhook) before any worker has
    started would otherwise fail. Only when the queue lives in the database being migrated (the
    default): a test database is another one, and SQLite and Redis queues need nothing."""
    from django.db import connections
    from huey.contrib.djhuey import HUEY
    from psycopg.conninfo import conninfo_to_dict

    dsn = getattr(HUEY.storage, "dsn", None)
    if dsn is None:
        return
    if conninfo_to_dict(dsn).get("dbname") != connections[using].settings_dict["NAME"]:
        return
    HUEY.storage.initialize_schema()
