"""`microwork migrate` makes the job queue's tables on PostgreSQL, so a page that queues a job
(an email, a webhook delivery) works before any `microwork worker` has started."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

SERVER = "postgres://postgres@127.0.0.1:5432"


@pytest.mark.postgres
def test_migrate_makes_the_queue_tables(tmp_path):
    name = f"mw_queue_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MICROWORK_QUEUE")}
        env |= {"DATABASE_URL": f"{SERVER}/{name}", "MICROWORK_DATA_DIR": str(tmp_path)}
        microwork = str(Path(sys.executable).parent / "microwork")
        done = subprocess.run(
            [microwork, "migrate", "--no-input"], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        with psycopg.connect(f"{SERVER}/{name}") as connection:
            tables = {
                row[0]
                for row in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE tablename LIKE 'huey%'"
                )
            }
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    assert tables == {"huey_kv", "huey_schedule", "huey_task", "huey_counter"}
