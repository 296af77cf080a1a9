"""The field-photo duplicate search (work/photo_checks.py, docs/adr/0027) at a requester's
N photos: the indexed search (the 8 bytes of each hash in PhotoHashBand) against the scan of
every hash it replaced, per submitted photo.

    .venv/bin/python bench/photo_duplicates.py [--photos 100000] [--searches 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_photos .venv/bin/python bench/photo_duplicates.py

On SQLite, a fresh database in a temporary data directory; on PostgreSQL, the database named
(emptied first: the tables are flushed). Hashes are random 64-bit values, a tenth of them near
copies (1 to 6 bits) of others, as resubmitted pictures would be. Prints the median and the
95th percentile of one search, and how many photos each read. A harness, not a test.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        os.environ["MICROWORK_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-photos-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microwork.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from microwork.accounts.models import User
    from microwork.work import photo_checks
    from microwork.work.models import Assignment, PhotoCheck, PhotoHashBand
    from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(7)
    requester = ProjectFactory().requester
    task = TaskFactory(
        batch=PublishedBatchFactory(project=ProjectFactory(requester=requester)),
        max_assignments=args.photos + args.searches,
        open_slots=0,
    )
    started = time.perf_counter()
    workers = User.objects.bulk_create(
        User(email=f"w{n}@bench.example", password="!", role="worker", worker_id=f"BENCH{n:09d}")
        for n in range(args.photos + args.searches)
    )
    now = timezone.now()
    assignments = Assignment.objects.bulk_create(
        Assignment(task=task, worker=w, accepted_at=now, deadline=now) for w in workers
    )
    hashes: list[int] = []
    for _ in range(args.photos):
        if hashes and rng.random() < 0.1:
            near = rng.choice(hashes)
            for bit in rng.sample(range(64), rng.randint(1, 6)):
                near ^= 1 << bit
            hashes.append(near)
        else:
            hashes.append(rng.getrandbits(64))
    stored = assignments[: args.photos]
    PhotoCheck.objects.bulk_create(
        (
            PhotoCheck(
                assignment=a, requester=requester, phash=f"{h:016x}", brightness=1, sharpness=1
            )
            for a, h in zip(stored, hashes, strict=True)
        ),
        batch_size=5000,
    )
    PhotoHashBand.objects.bulk_create(
        (
            PhotoHashBand(photo_id=a.pk, requester=requester, key=key)
            for a, h in zip(stored, hashes, strict=True)
            for key in photo_checks.band_keys(f"{h:016x}")
        ),
        batch_size=10000,
    )
    print(
        f"{connection.vendor}: {args.photos:,} photos stored in {time.perf_counter() - started:.1f} s"
    )

    probes = [
        (a.pk, f"{rng.choice(hashes) ^ (1 << rng.randrange(64)):016x}")
        for a in assignments[args.photos :]
    ]
    for label, distance in (("indexed (distance 6)", 6), ("full scan (distance 8)", 8)):
        settings.MICROWORK_PHOTO_DUPLICATE_DISTANCE = distance
        times, found = [], 0
        for assignment_id, phash in probes:
            start = time.perf_counter()
            hit = photo_checks.nearest_duplicate(
                requester_id=requester.pk, phash=phash, exclude=assignment_id
            )
            times.append(time.perf_counter() - start)
            found += hit is not None
        times.sort()
        print(
            f"{label:24} median {statistics.median(times) * 1000:7.2f} ms  "
            f"p95 {times[int(len(times) * 0.95)] * 1000:7.2f} ms  found {found}/{len(probes)}"
        )
    keys = photo_checks.band_keys(probes[0][1])
    read = PhotoHashBand.objects.filter(requester=requester, key__in=keys).count()
    print(f"photos read by one indexed search: {read:,} of {args.photos:,}")


if __name__ == "__main__":
    main()
