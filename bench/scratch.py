"""A database of its own for a bench script that builds its data (upload_and_export.py,
stored_aggregation.py, project_workers.py), set up and thrown away around the run."""

import os
import shutil
import tempfile
from contextlib import contextmanager


@contextmanager
def scratch_database(prefix: str, *, keep: bool = False):
    """Set Django up on a throwaway database; yield its SQLite data directory, or None on
    PostgreSQL.

    With DATABASE_URL: a database <name>_bench (rather than Django's test_<name>, so the prefix of
    the name given stays), created and migrated, dropped afterwards. Without: a SQLite file in a
    new data directory under /tmp named `prefix`..., removed afterwards unless `keep`. DEBUG is
    off whatever the environment says: it would keep every query in memory.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microwork.settings")
    os.environ["MICROWORK_DEBUG"] = "0"
    data_dir = None
    if not os.environ.get("DATABASE_URL"):
        data_dir = tempfile.mkdtemp(prefix=prefix)
        os.environ["MICROWORK_DATA_DIR"] = data_dir
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    original_name = connection.settings_dict["NAME"]
    if data_dir is None:
        connection.settings_dict["TEST"]["NAME"] = f"{original_name}_bench"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    else:
        call_command("migrate", verbosity=0, interactive=False)
    try:
        yield data_dir
    finally:
        if data_dir is None:
            connection.creation.destroy_test_db(original_name, verbosity=0)
        elif not keep:
            connection.close()
            shutil.rmtree(data_dir, ignore_errors=True)
