from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommonConfig(AppConfig):
    name = "microwork.common"
    label = "common"

    def ready(self):
        # Sent once per app with models (this one has none), so taken from any, made once.
        post_migrate.connect(queue_tables_create, dispatch_uid="microwork-queue-tables")


_made = False


def queue_tables_create(**_kwargs) -> None:
    """The job queue's own tables (PostgreSQL: huey_*), made by `microwork migrate` as well as by
    `microwork worker`: a page that queues a job (an email, a webhook) before any worker has
    started would otherwise fail. SQLite and Redis queues need nothing."""
    global _made
    if _made:
        return
    _made = True
    from huey.contrib.djhuey import HUEY

    initialize = getattr(HUEY.storage, "initialize_schema", None)
    if initialize is not None:
        initialize()
