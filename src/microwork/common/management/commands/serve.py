"""`microwork serve`: the production application server (granian, WSGI), docs/adr/0008.

    microwork serve --workers 2 --bind 127.0.0.1:8000

Workers, threads and the address come from the options, else from MICROWORK_SERVE_WORKERS,
MICROWORK_SERVE_THREADS and MICROWORK_BIND. Several `serve` processes (on other ports or other
machines) can share one database and one job queue behind a reverse proxy: nothing is kept in
a process that another one would need (docs/deploy.md).
"""

import hashlib
import os

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from microwork.common.environment import env_int

STAMP_NAME = ".microwork-collected"


def parse_bind(value: str) -> tuple[str, int]:
    """Split HOST:PORT: "127.0.0.1:8000" -> ("127.0.0.1", 8000), "[::1]:80" -> ("::1", 80)."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"the address must be HOST:PORT, like 127.0.0.1:8000, not {value!r}")
    return host.strip("[]"), int(port)


def static_fingerprint() -> str:
    """A digest of every static source file's path, size and modification time."""
    digest = hashlib.sha256()
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore_patterns=["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collectstatic_if_needed(stdout) -> bool:
    """Collect static files when production storage serves them from STATIC_ROOT and the
    collected copy is missing or older than the sources. Returns whether it collected."""
    if settings.WHITENOISE_USE_FINDERS:
        return False  # local mode: files are served straight from the apps
    stamp = settings.STATIC_ROOT / STAMP_NAME
    fingerprint = static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)
    stdout.write(f"Collected static files into {settings.STATIC_ROOT}")
    return True


class Command(BaseCommand):
    help = "Serve microwork with granian (WSGI): the production application server."
    requires_system_checks = []  # checked once below, not in every worker

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers",
            type=int,
            help="worker processes (default: MICROWORK_SERVE_WORKERS, else the number of CPUs)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            help="request threads per worker, each with its own database connection "
            "(default: MICROWORK_SERVE_THREADS, else 4)",
        )
        parser.add_argument(
            "--bind", help="HOST:PORT to listen on (default: MICROWORK_BIND, else 127.0.0.1:8000)"
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="do not collect static files even if they are missing or stale",
        )

    def handle(self, *args, **options):
        from granian import Granian
        from granian.constants import Interfaces

        try:
            workers = options["workers"] or env_int(
                "MICROWORK_SERVE_WORKERS", os.cpu_count() or 1, minimum=1
            )
            threads = options["threads"] or env_int("MICROWORK_SERVE_THREADS", 4, minimum=1)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1")
        host, port = parse_bind(
            options["bind"] or os.environ.get("MICROWORK_BIND") or "127.0.0.1:8000"
        )
        self.check(display_num_errors=False)
        if not options["no_collectstatic"]:
            collectstatic_if_needed(self.stdout)
        self.stdout.write(
            f"microwork serving on http://{host}:{port}/ with granian: "
            f"{workers} workers x {threads} threads"
        )
        Granian(
            "microwork.wsgi:application",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            # A worker that dies (killed, out of memory) is replaced; requests it held fail,
            # and every write they made was one transaction, committed or not.
            respawn_failed_workers=True,
        ).serve()
