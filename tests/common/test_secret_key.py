"""The generated secret key of an embedded install (settings.py): processes that start together
on a new data directory (two servers, a server and its job worker) all end up with the same key,
or one server could not read the sessions another had signed."""

import os
import stat
import subprocess
import sys
import time

READ_AT = (
    "import sys, time; time.sleep(max(0.0, float(sys.argv[1]) - time.time())); "
    "from django.conf import settings; print(settings.SECRET_KEY)"
)


def test_processes_starting_together_on_a_new_data_directory_share_one_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MICROWORK_SECRET_KEY"}
    env |= {"DJANGO_SETTINGS_MODULE": "microwork.settings", "MICROWORK_DATA_DIR": str(tmp_path)}
    start = str(time.time() + 2.0)  # every process is running by then, waiting for the same moment
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", READ_AT, start], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    keys = [process.communicate(timeout=60)[0].strip() for process in processes]

    assert [process.returncode for process in processes] == [0] * 8
    assert len(keys[0]) >= 50
    assert set(keys) == {keys[0]}
    assert sorted(tmp_path.glob("*secret_key*")) == [tmp_path / "secret_key"]  # no candidate left
    assert (tmp_path / "secret_key").read_text().strip() == keys[0]
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
