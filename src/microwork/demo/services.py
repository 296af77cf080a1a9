"""The local demo: accounts to log in with and a published batch of real work to try.

Everything is created through the same services as the product pages use, so the demo shows
what a requester's upload really produces. The demo password is printed on the console and is
for a local machine only: never seed the demo on a server others can reach.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.accounts.services import user_sign_up
from microwork.common.money import parse_amount
from microwork.demo.shapes import SHAPES, ShapeSpec, draw_shape, shape_specs
from microwork.payments.services import deposit_record
from microwork.projects.enums import TemplateKind
from microwork.projects.models import Batch, Project
from microwork.projects.services import batch_create_from_upload, batch_publish, project_create

DEMO_PASSWORD = "demo-password-2026"  # local demo only; printed on the console
REQUESTER_EMAIL = "requester@demo.microwork.test"
WORKER_EMAILS = tuple(f"worker{n}@demo.microwork.test" for n in (1, 2, 3))
ADMIN_EMAIL = "admin@demo.microwork.test"
PROJECT_TITLE = gettext_noop("Which shape is in the picture?")
MEDIA_SUBDIR = "demo"
# Play money for the demo requester: the batch costs about 18 EUR with fees, the rest is there
# to try publishing more.
DEMO_FUNDS = "100.00"
DEMO_DEPOSIT_REFERENCE = "demo-funding"
IMAGE_COLUMN = "image_url"
TRUTH_COLUMN = "true_shape"


@dataclass(frozen=True)
class DemoSummary:
    created: bool  # False when the demo was already there and nothing was added
    password: str
    requester_email: str
    worker_emails: tuple[str, ...]
    admin_email: str
    funds_cents: int
    project: Project
    batch: Batch
    images_dir: Path


def demo_image_url(spec: ShapeSpec) -> str:
    """The picture's address on the platform, site-relative so any host and port works."""
    return f"/{settings.MEDIA_URL.strip('/')}/{MEDIA_SUBDIR}/{spec.filename}"


def demo_images_write(*, media_root: Path | str, specs: list[ShapeSpec]) -> Path:
    """Draw each picture into MEDIA_ROOT/demo/ unless it is already there; return the folder."""
    folder = Path(media_root) / MEDIA_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        path = folder / spec.filename
        if not path.exists():
            draw_shape(spec).save(path, format="PNG", optimize=True)
    return folder


def _batch_csv(specs: list[ShapeSpec]) -> io.BytesIO:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([IMAGE_COLUMN, TRUTH_COLUMN])
    for spec in specs:
        writer.writerow([demo_image_url(spec), spec.shape])
    return io.BytesIO(text.getvalue().encode("utf-8"))


def _summary(*, created: bool, project: Project, batch: Batch, images_dir: Path) -> DemoSummary:
    return DemoSummary(
        created=created,
        password=DEMO_PASSWORD,
        requester_email=REQUESTER_EMAIL,
        worker_emails=WORKER_EMAILS,
        admin_email=ADMIN_EMAIL,
        funds_cents=parse_amount(DEMO_FUNDS),
        project=project,
        batch=batch,
        images_dir=images_dir,
    )


@transaction.atomic
def demo_seed(*, media_root: Path | str, task_count: int = 50) -> DemoSummary:
    """Create the demo accounts, project and published batch, once.

    If the demo requester already exists nothing is added (pictures that went missing are drawn
    again), so running it on every `make run` is safe. All or nothing: one transaction.
    """
    specs = shape_specs(task_count)
    images_dir = demo_images_write(media_root=media_root, specs=specs)
    existing = User.objects.filter(email=REQUESTER_EMAIL).first()
    if existing is not None:
        project = Project.objects.filter(requester=existing).order_by("pk").first()
        batch = project.batches.order_by("pk").first() if project else None
        if project is not None and batch is not None:
            return _summary(created=False, project=project, batch=batch, images_dir=images_dir)

    requester = existing or user_sign_up(
        email=REQUESTER_EMAIL,
        password=DEMO_PASSWORD,
        role=Role.REQUESTER,
        display_name=_("Shapes Lab (demo)"),
    )
    for email in WORKER_EMAILS:
        if not User.objects.filter(email=email).exists():
            user_sign_up(email=email, password=DEMO_PASSWORD, role=Role.WORKER)
    admin = User.objects.filter(email=ADMIN_EMAIL).first() or User.objects.create_superuser(
        ADMIN_EMAIL, DEMO_PASSWORD, display_name=_("Demo admin")
    )
    # Publishing moves the batch's whole cost into escrow, so the requester needs funds first.
    # The reference is the deposit's idempotency key: a re-run cannot credit it twice.
    deposit_record(
        requester=requester,
        amount_cents=parse_amount(DEMO_FUNDS),
        external_reference=DEMO_DEPOSIT_REFERENCE,
        actor=admin,
    )

    # 0.10 EUR for about 20 seconds is 18 EUR an hour, well above a fair floor of 12.
    project = project_create(
        requester=requester,
        title=_(PROJECT_TITLE),
        description=_("Look at a small picture and say which shape it shows. About 20 seconds."),
        instructions=_(
            "Each picture shows one coloured shape on a speckled background. Choose the shape: "
            "circle, square, triangle or star. The shape may be turned and of any size."
        ),
        keywords=_("image, shapes, classification, demo"),
        reward_cents=parse_amount("0.10"),
        assignments_per_task=3,
        time_allotted_seconds=5 * 60,
        lifetime_seconds=90 * 24 * 3600,
        auto_approval_delay_seconds=3 * 24 * 3600,
        estimated_seconds=20,
        template_kind=TemplateKind.IMAGE_CLASSIFICATION,
        template_config={
            "image_column": IMAGE_COLUMN,
            "labels": list(SHAPES),
            "question": _(PROJECT_TITLE),
        },
    )
    batch = batch_create_from_upload(
        project=project,
        file=_batch_csv(specs),
        filename="shapes.csv",
        name=_("Shapes, first batch"),
    )
    batch = batch_publish(batch=batch)
    return _summary(created=True, project=project, batch=batch, images_dir=images_dir)
