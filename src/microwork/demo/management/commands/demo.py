from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microwork.common.money import format_money
from microwork.demo.observatory import observatory_seed
from microwork.demo.services import FIELD_RADIUS_M, demo_seed


class Command(BaseCommand):
    help = gettext_lazy(
        "Seed a local demo (a requester, three workers, an admin and a published batch of each "
        "task type, from shape pictures to field photos) and print the logins. Safe to run "
        "again. For local use only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tasks",
            type=int,
            default=50,
            help=gettext_lazy("How many shape pictures (tasks) in the image batch."),
        )
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help=gettext_lazy("The address the platform is served at, for the summary."),
        )
        parser.add_argument(
            "--observatory",
            action="store_true",
            help=gettext_lazy(
                "Also seed a synthetic population of a few hundred workers with months of "
                "history, and publish the observatory's figures for it."
            ),
        )

    def handle(self, *args, tasks: int, url: str, observatory: bool = False, **options):
        summary = demo_seed(media_root=settings.MEDIA_ROOT, task_count=tasks)
        # The observatory's synthetic workers and their months (make run asks for them).
        population = observatory_seed() if observatory else None
        url = url.rstrip("/")
        write = self.stdout.write
        currency = summary.project.currency
        if summary.created:
            write(self.style.SUCCESS(_("The demo is ready.")))
        else:
            write(_("The demo was already there; nothing was added."))
        write("")
        write(
            _("Open %(url)s and log in with the password “%(password)s” as:")
            % {"url": url, "password": summary.password}
        )
        write(
            _("  requester  %(email)s   (with %(funds)s of demo funds)")
            % {
                "email": summary.requester_email,
                "funds": format_money(summary.funds_cents, currency),
            }
        )
        for email in summary.worker_emails:
            write(_("  worker     %(email)s") % {"email": email})
        write(
            _("  admin      %(email)s   (Django admin at %(url)s/admin/)")
            % {"email": summary.admin_email, "url": url}
        )
        write("")
        write(_("Projects, one per task type, each with a batch:"))
        for seeded in summary.projects:
            project, batch = seeded.project, seeded.batch
            write(
                _(
                    "  %(kind)-21s %(tasks)3d tasks x %(workers)d, %(reward)s each, "
                    "%(status)s: “%(title)s”"
                )
                % {
                    "kind": project.get_template_kind_display().split(" (")[0],
                    "title": project.title,
                    "tasks": batch.task_count,
                    "workers": project.assignments_per_task,
                    "reward": format_money(project.reward_cents, currency),
                    "status": batch.display_status().lower(),
                }
            )
        write("")
        write(_("Try: log in as a worker, accept a task, answer it, “Submit and next”."))
        write(_("     Then as the requester: watch progress, review, download the results;"))
        write(_("     the Input.true_* columns hold the right answers (shape, text, boxes...)."))
        write(
            _("     A field photo is taken within %(m)d m of its point in central Paris.")
            % {"m": FIELD_RADIUS_M}
        )
        if population is not None:
            write(
                _(
                    "The observatory, %(url)s/observatory/, shows %(months)s for a synthetic "
                    "population."
                )
                % {"url": url, "months": ", ".join(population.months)}
            )
        write(
            self.style.WARNING(
                _("The demo password is public: use the demo on your own machine only.")
            )
        )
