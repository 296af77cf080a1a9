"""`microwork mturk-keys create --requester EMAIL` (and `revoke ACCESS_KEY_ID`): MTurk API keys
for operators and scripts. The secret is printed once; it is kept only encrypted."""

from django.core.management.base import BaseCommand, CommandError

from microwork.accounts.models import User
from microwork.mturk import services
from microwork.mturk.models import RequesterAccessKey


class Command(BaseCommand):
    help = "Create or revoke a requester's MTurk API access key."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a key and print its secret once")
        create.add_argument("--requester", required=True, help="the requester's email")
        create.add_argument("--label", default="", help="what the key is for")
        revoke = actions.add_parser("revoke", help="revoke a key")
        revoke.add_argument("access_key_id")

    def handle(self, *args, action, **options):
        if action == "create":
            requester = User.objects.filter(email__iexact=options["requester"]).first()
            if requester is None or not requester.is_requester:
                raise CommandError(f"No requester with the email {options['requester']}.")
            key, secret = services.access_key_create(requester=requester, label=options["label"])
            self.stdout.write(f"aws_access_key_id = {key.access_key_id}")
            self.stdout.write(f"aws_secret_access_key = {secret}")
            self.stderr.write("The secret is shown this once; store it now.")
            return
        key = RequesterAccessKey.objects.filter(access_key_id=options["access_key_id"]).first()
        if key is None:
            raise CommandError(f"No key {options['access_key_id']}.")
        services.access_key_revoke(key=key)
        self.stdout.write(f"revoked {key.access_key_id}")
