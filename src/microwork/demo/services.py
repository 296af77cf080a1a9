"""The local demo: accounts to log in with and a published batch of each kind of task to try.

Everything is created through the same services as the product pages use, so the demo shows
what a requester's upload really produces. Every input is generated here (pictures drawn with
Pillow, texts from word lists), so the demo needs no network. The demo password is printed on
the console and is for a local machine only: never seed the demo on a server others can reach.
"""

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.accounts.services import user_sign_up
from microwork.accounts.terms import terms_latest_number
from microwork.common.money import parse_amount
from microwork.demo import scenes, snippets, texts
from microwork.demo.shapes import SHAPES, ShapeSpec, draw_shape, shape_specs
from microwork.payments.services import deposit_record
from microwork.projects.enums import TemplateKind
from microwork.projects.models import Batch, Project
from microwork.projects.services import batch_create_from_upload, batch_publish, project_create

DEMO_PASSWORD = "demo-password-2026"  # local demo only; printed on the console  # nosec B105  # the local demo's published password, never in production
REQUESTER_EMAIL = "requester@demo.microwork.test"
WORKER_EMAILS = tuple(f"worker{n}@demo.microwork.test" for n in (1, 2, 3))
ADMIN_EMAIL = "admin@demo.microwork.test"
PROJECT_TITLE = gettext_noop("Which shape is in the picture?")
MEDIA_SUBDIR = "demo"
# Play money for the demo requester, in tranches, each under its own external reference (the
# deposit's idempotency key, so a re-run cannot credit it twice). The first tranche is the one
# demos seeded before the other task types had; the second tops those up too. The eight batches
# cost about 89 EUR with fees (the field photos 42, the shapes 18); the rest is there to try
# publishing more.
DEMO_DEPOSITS = (("demo-funding", "100.00"), ("demo-funding-task-types", "100.00"))
DEMO_FUNDS_CENTS = sum(parse_amount(amount) for _reference, amount in DEMO_DEPOSITS)
IMAGE_COLUMN = "image_url"
TRUTH_COLUMN = "true_shape"
# Tasks per batch of the other types; the shapes batch's size is demo_seed's task_count.
TASK_COUNTS = {
    TemplateKind.TEXT_CLASSIFICATION: 20,
    TemplateKind.TRANSCRIPTION: 15,
    TemplateKind.DATA_ENTRY: 12,
    TemplateKind.SURVEY: 12,
    TemplateKind.BOUNDING_BOXES: 12,
    TemplateKind.FIELD_PHOTO: 10,
    TemplateKind.EXTERNAL_PAGE: 12,
}
# The external page task's page: served by the platform itself, so the demo needs no internet.
EXTERNAL_PAGE_PATH = "projects/external/demo.html"
SNIPPETS_SUBDIR = "snippets"
SCENES_SUBDIR = "scenes"
FIELD_RADIUS_M = 250
HOUR = 3600
DAY = 24 * HOUR


@dataclass(frozen=True)
class DemoProject:
    project: Project
    batch: Batch


@dataclass(frozen=True)
class DemoSummary:
    created: bool  # False when the demo was already there and nothing was added
    password: str
    requester_email: str
    worker_emails: tuple[str, ...]
    admin_email: str
    funds_cents: int
    projects: tuple[DemoProject, ...]  # the shapes project first, then one per other type
    images_dir: Path

    @property
    def project(self) -> Project:
        """The shapes project, the demo's first."""
        return self.projects[0].project

    @property
    def batch(self) -> Batch:
        return self.projects[0].batch


@dataclass(frozen=True)
class ProjectPlan:
    """What one demo project is: its settings and the rows of its batch."""

    fields: dict  # project_create's keyword arguments, except the requester
    columns: list[str]
    rows: list[list]
    filename: str
    batch_name: str


def _media_url(*parts: str) -> str:
    """A picture's address on the platform, site-relative so any host and port works."""
    return "/" + "/".join([settings.MEDIA_URL.strip("/"), MEDIA_SUBDIR, *parts])


def demo_image_url(spec: ShapeSpec) -> str:
    return _media_url(spec.filename)


def _pictures_write(folder: Path, items: Iterable, draw: Callable) -> None:
    """Draw each item's picture into `folder` unless it is already there."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in items:
        path = folder / item.filename
        if not path.exists():
            draw(item).save(path, format="PNG")


def demo_images_write(*, media_root: Path | str, specs: list[ShapeSpec]) -> Path:
    """Draw each shape picture into MEDIA_ROOT/demo/ unless it is already there; return the
    folder."""
    folder = Path(media_root) / MEDIA_SUBDIR
    _pictures_write(folder, specs, draw_shape)
    return folder


def _csv(columns: list[str], rows: list[list]) -> io.BytesIO:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(columns)
    writer.writerows(rows)
    return io.BytesIO(text.getvalue().encode("utf-8"))


def _terms(*, reward: str, estimated_seconds: int, assignments: int, allotted: int) -> dict:
    return {
        "reward_cents": parse_amount(reward),
        "estimated_seconds": estimated_seconds,
        "assignments_per_task": assignments,
        "time_allotted_seconds": allotted,
        "lifetime_seconds": 90 * DAY,
        "auto_approval_delay_seconds": 3 * DAY,
    }


# --- the projects -----------------------------------------------------------------------------
# Every reward is above the pay floor (12.02 EUR an hour by default) for its estimated time.


def _shapes_plan(specs: list[ShapeSpec]) -> ProjectPlan:
    # 0.10 EUR for about 20 seconds is 18 EUR an hour.
    return ProjectPlan(
        fields={
            "title": _(PROJECT_TITLE),
            "description": _(
                "Look at a small picture and say which shape it shows. About 20 seconds."
            ),
            "instructions": _(
                "Each picture shows one coloured shape on a speckled background. Choose the "
                "shape: circle, square, triangle or star. The shape may be turned and of any size."
            ),
            "keywords": _("image, shapes, classification, demo"),
            **_terms(reward="0.10", estimated_seconds=20, assignments=3, allotted=5 * 60),
            "template_kind": TemplateKind.IMAGE_CLASSIFICATION,
            "template_config": {
                "image_column": IMAGE_COLUMN,
                "labels": list(SHAPES),
                "question": _(PROJECT_TITLE),
            },
        },
        columns=[IMAGE_COLUMN, TRUTH_COLUMN],
        rows=[[demo_image_url(spec), spec.shape] for spec in specs],
        filename="shapes.csv",
        batch_name=_("Shapes, first batch"),
    )


def _reviews_plan() -> ProjectPlan:
    # 0.05 EUR for about 12 seconds is 15 EUR an hour.
    reviews = texts.reviews(TASK_COUNTS[TemplateKind.TEXT_CLASSIFICATION])
    return ProjectPlan(
        fields={
            "title": _("Is this review positive or negative?"),
            "description": _(
                "Read a two-line product review and judge its tone. About 12 seconds."
            ),
            "instructions": _(
                "Choose “positive” if the buyer is happy with the product, “negative” if not. "
                "Judge the review, not the product."
            ),
            "keywords": _("text, sentiment, reviews, demo"),
            **_terms(reward="0.05", estimated_seconds=12, assignments=3, allotted=5 * 60),
            "template_kind": TemplateKind.TEXT_CLASSIFICATION,
            "template_config": {
                "text_column": "review",
                "context_column": "product",
                "labels": list(texts.SENTIMENTS),
                "question": _("What is the tone of this review?"),
            },
        },
        columns=["product", "review", "true_sentiment"],
        rows=[[review.product, review.text, review.sentiment] for review in reviews],
        filename="reviews.csv",
        batch_name=_("Product reviews, first batch"),
    )


def _snippets_plan(items: list[snippets.Snippet]) -> ProjectPlan:
    # 0.08 EUR for about 20 seconds is 14.40 EUR an hour.
    return ProjectPlan(
        fields={
            "title": _("Type the line of text in the picture"),
            "description": _("Copy one printed line exactly. About 20 seconds."),
            "instructions": _(
                "Type the line exactly as printed: the same letters, digits, spaces and signs, "
                "capitals where the picture has them."
            ),
            "keywords": _("transcription, text, typing, demo"),
            **_terms(reward="0.08", estimated_seconds=20, assignments=3, allotted=5 * 60),
            "template_kind": TemplateKind.TRANSCRIPTION,
            "template_config": {
                "image_column": IMAGE_COLUMN,
                "question": _("Type the line exactly as printed."),
                "allowed": snippets.ALLOWED,
                "case": "any",
            },
        },
        columns=[IMAGE_COLUMN, "true_text"],
        rows=[[_media_url(SNIPPETS_SUBDIR, item.filename), item.text] for item in items],
        filename="snippets.csv",
        batch_name=_("Printed lines, first batch"),
    )


def _listings_plan() -> ProjectPlan:
    # 0.25 EUR for about a minute is 15 EUR an hour.
    listings = texts.shop_listings(TASK_COUNTS[TemplateKind.DATA_ENTRY])
    return ProjectPlan(
        fields={
            "title": _("Tidy up a shop listing"),
            "description": _(
                "Copy five details of a shop from a messy line into a form. About a minute."
            ),
            "instructions": _(
                "Write the shop's name with capitals only at the start of words (Boulangerie "
                "Martin), the phone as five pairs of digits (01 23 45 67 89) and the email in "
                "lower case."
            ),
            "keywords": _("data entry, reformatting, shops, demo"),
            **_terms(reward="0.25", estimated_seconds=60, assignments=2, allotted=10 * 60),
            "template_kind": TemplateKind.DATA_ENTRY,
            "template_config": {
                "source_columns": ["listing"],
                "fields": "\n".join(
                    [
                        "name | text | " + _("Shop name"),
                        "postcode | text | " + _("Postcode") + " | [0-9]{5}",
                        "phone | text | " + _("Phone") + " | 0[1-9]( [0-9]{2}){4}",
                        "email | email | " + _("Email"),
                        "founded | number | " + _("Year founded") + " | 1800..2026",
                    ]
                ),
            },
        },
        columns=["listing", "true_name", "true_postcode", "true_phone", "true_email"]
        + ["true_founded"],
        rows=[
            [item.listing, item.name, item.postcode, item.phone, item.email, item.founded]
            for item in listings
        ],
        filename="listings.csv",
        batch_name=_("Shop listings, first batch"),
    )


def _slogans_plan() -> ProjectPlan:
    # 0.16 EUR for about 40 seconds is 14.40 EUR an hour.
    return ProjectPlan(
        fields={
            "title": _("What do you think of this slogan?"),
            "description": _("Three quick questions about an advertising line. About 40 seconds."),
            "instructions": _(
                "There are no right answers: we want your first impression. The comment is "
                "optional."
            ),
            "keywords": _("survey, opinion, slogans, demo"),
            **_terms(reward="0.16", estimated_seconds=40, assignments=3, allotted=5 * 60),
            "template_kind": TemplateKind.SURVEY,
            "template_config": {
                "intro_column": "slogan",
                "questions": "\n".join(
                    [
                        "appeal | likert | " + _("This slogan makes me want to try the product."),
                        "tone | single | "
                        + _("How does it sound?")
                        + " | "
                        + ", ".join([_("playful"), _("serious"), _("plain")]),
                        "comment | text | " + _("Anything to add?") + " | optional",
                    ]
                ),
            },
        },
        columns=["slogan"],
        rows=[[slogan] for slogan in texts.slogans(TASK_COUNTS[TemplateKind.SURVEY])],
        filename="slogans.csv",
        batch_name=_("Slogans, first batch"),
    )


def _scenes_plan(items: list[scenes.Scene]) -> ProjectPlan:
    # 0.15 EUR for about 30 seconds is 18 EUR an hour.
    return ProjectPlan(
        fields={
            "title": _("Draw a box around every shape"),
            "description": _("Box one to three shapes on a picture and label them. About 30 s."),
            "instructions": _(
                "Draw one box around each circle, square and triangle, as tight as you can, and "
                "give it the right label. Leave the grey speckles alone."
            ),
            "keywords": _("bounding boxes, image, annotation, demo"),
            **_terms(reward="0.15", estimated_seconds=30, assignments=2, allotted=5 * 60),
            "template_kind": TemplateKind.BOUNDING_BOXES,
            "template_config": {
                "image_column": IMAGE_COLUMN,
                "labels": list(scenes.LABELS),
                "question": _("Draw a box around every shape."),
                "min_boxes": 1,
                "max_boxes": 6,
            },
        },
        columns=[IMAGE_COLUMN, "true_boxes"],
        rows=[
            [_media_url(SCENES_SUBDIR, item.filename), json.dumps(item.boxes, sort_keys=True)]
            for item in items
        ],
        filename="scenes.csv",
        batch_name=_("Shapes to box, first batch"),
    )


def _places_plan() -> ProjectPlan:
    # 3.50 EUR for about 15 minutes (the walk included) is 14 EUR an hour.
    places = texts.places(TASK_COUNTS[TemplateKind.FIELD_PHOTO])
    return ProjectPlan(
        fields={
            "title": _("Photograph a street detail in central Paris"),
            "description": _(
                "Walk to a point near the Hôtel de Ville and take one photo there. About 15 "
                "minutes."
            ),
            "instructions": _(
                "Go to the coordinates (within %(m)d metres), take a clear photo of the thing "
                "named, without people's faces, and send it from there."
            )
            % {"m": FIELD_RADIUS_M},
            "keywords": _("field photo, street, Paris, demo"),
            **_terms(reward="3.50", estimated_seconds=15 * 60, assignments=1, allotted=2 * HOUR),
            "template_kind": TemplateKind.FIELD_PHOTO,
            "template_config": {
                "place_column": "place",
                "latitude_column": "latitude",
                "longitude_column": "longitude",
                "radius_m": FIELD_RADIUS_M,
                "question": _("Take a photo of the thing named at this place."),
            },
        },
        columns=["place", "latitude", "longitude"],
        rows=[[place.place, place.latitude, place.longitude] for place in places],
        filename="places.csv",
        batch_name=_("Street details, first batch"),
    )


def external_page_url() -> str:
    """The demo's external page, a static file of the platform: "/static/…" by default."""
    root = settings.STATIC_URL
    if not root.startswith(("/", "http://", "https://")):
        root = "/" + root
    return root + EXTERNAL_PAGE_PATH


def _numbers_plan() -> ProjectPlan:
    # 0.05 EUR for about 10 seconds is 18 EUR an hour.
    numbers = [(n * 37 + 11) % 1000 for n in range(TASK_COUNTS[TemplateKind.EXTERNAL_PAGE])]
    return ProjectPlan(
        fields={
            "title": _("Even or odd? (a task on the requester's own page)"),
            "description": _(
                "Say whether a number is even or odd, on a page of the requester's own, framed "
                "here as on MTurk. About 10 seconds."
            ),
            "instructions": _("Look at the number and choose “even” or “odd”, then submit."),
            "keywords": _("external page, numbers, demo"),
            **_terms(reward="0.05", estimated_seconds=10, assignments=3, allotted=5 * 60),
            "template_kind": TemplateKind.EXTERNAL_PAGE,
            "template_config": {
                "url_template": external_page_url() + "?number=${number}",
                "frame_height": 420,
                "answer_fields": "parity | choice",
            },
        },
        columns=["number", "true_parity"],
        rows=[[number, "even" if number % 2 == 0 else "odd"] for number in numbers],
        filename="numbers.csv",
        batch_name=_("Numbers, first batch"),
    )


def _project_seed(*, requester: User, plan: ProjectPlan) -> tuple[DemoProject, bool]:
    """The requester's project of the plan's kind and its first batch, published; created only
    if missing. Returns it and whether anything was created."""
    kind = plan.fields["template_kind"]
    project = Project.objects.filter(requester=requester, template_kind=kind).order_by("pk").first()
    created = project is None
    if project is None:
        project = project_create(requester=requester, **plan.fields)
    batch = project.batches.order_by("pk").first()
    if batch is None:
        batch = batch_create_from_upload(
            project=project,
            file=_csv(plan.columns, plan.rows),
            filename=plan.filename,
            name=plan.batch_name,
        )
        batch = batch_publish(batch=batch)
        created = True
    return DemoProject(project=project, batch=batch), created


@transaction.atomic
def demo_seed(*, media_root: Path | str, task_count: int = 50) -> DemoSummary:
    """Create the demo accounts, and a project with a published batch for each task type, once.

    What already exists is kept and nothing is added twice (pictures that went missing are drawn
    again), so running it on every `make run` is safe; a demo seeded before some task types
    existed gets the missing ones. A project is the demo's if the demo requester owns it and it
    is of that type. All or nothing: one transaction.
    """
    specs = shape_specs(task_count)
    lines = snippets.snippets(TASK_COUNTS[TemplateKind.TRANSCRIPTION])
    pictures = scenes.scenes(TASK_COUNTS[TemplateKind.BOUNDING_BOXES])
    images_dir = demo_images_write(media_root=media_root, specs=specs)
    _pictures_write(images_dir / SNIPPETS_SUBDIR, lines, snippets.draw_snippet)
    _pictures_write(images_dir / SCENES_SUBDIR, pictures, scenes.draw_scene)

    created = False
    # Where the operator has published terms, the demo's people accept the latest, as anyone
    # signing up does.
    terms_number = terms_latest_number() or None
    requester = User.objects.filter(email=REQUESTER_EMAIL).first()
    if requester is None:
        requester = user_sign_up(
            email=REQUESTER_EMAIL,
            password=DEMO_PASSWORD,
            role=Role.REQUESTER,
            display_name=_("Demo Lab"),
            email_verified=True,  # invented addresses: no link could reach them
            terms_number=terms_number,
        )
        created = True
    for email in WORKER_EMAILS:
        if not User.objects.filter(email=email).exists():
            user_sign_up(
                email=email,
                password=DEMO_PASSWORD,
                role=Role.WORKER,
                email_verified=True,
                terms_number=terms_number,
            )
            created = True
    admin = User.objects.filter(email=ADMIN_EMAIL).first()
    if admin is None:
        admin = User.objects.create_superuser(
            ADMIN_EMAIL, DEMO_PASSWORD, display_name=_("Demo admin")
        )
        created = True
    # Publishing moves each batch's whole cost into escrow, so the requester needs funds first.
    # A tranche already credited returns its first posting and adds nothing.
    for reference, amount in DEMO_DEPOSITS:
        deposit_record(
            requester=requester,
            amount_cents=parse_amount(amount),
            external_reference=reference,
            actor=admin,
        )

    plans = [
        _shapes_plan(specs),
        _reviews_plan(),
        _snippets_plan(lines),
        _listings_plan(),
        _slogans_plan(),
        _scenes_plan(pictures),
        _places_plan(),
        _numbers_plan(),
    ]
    projects = []
    for plan in plans:
        seeded, is_new = _project_seed(requester=requester, plan=plan)
        projects.append(seeded)
        created = created or is_new
    return DemoSummary(
        created=created,
        password=DEMO_PASSWORD,
        requester_email=REQUESTER_EMAIL,
        worker_emails=WORKER_EMAILS,
        admin_email=ADMIN_EMAIL,
        funds_cents=DEMO_FUNDS_CENTS,
        projects=tuple(projects),
        images_dir=images_dir,
    )
