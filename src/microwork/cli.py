"""The `microwork` console script: Django's management commands under the platform's name.

`microwork demo`, `microwork migrate`, `microwork runserver` ... are `manage.py` commands.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microwork.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["microwork", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
