"""French for workers: the pages in French, the language switcher, the worker's stored choice,
and a French catalogue that is complete, compiled and in step with its .po."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

import microwork
from microwork.accounts.models import User
from microwork.accounts.services import user_language_set
from tests.accounts.factories import PASSWORD, RequesterFactory, WorkerFactory
from tests.projects.factories import (
    ImageProjectFactory,
    ProjectFactory,
    PublishedBatchFactory,
    make_tasks,
)
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

PO_PATH = Path(microwork.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
NBSP = "\u00a0"  # French puts a no-break space before « : ; ? ! » and inside « »
COOKIE = settings.LANGUAGE_COOKIE_NAME


def _fr(client, url):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def _batch(**project):
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3, **project))
    make_tasks(batch, 2)
    return batch


# --- pages in French ----------------------------------------------------------------------


@pytest.mark.django_db
def test_marketplace_renders_in_french_for_a_french_browser(client, worker):
    _batch(reward_cents=50, estimated_seconds=60, time_allotted_seconds=600)
    client.force_login(worker)

    html = _fr(client, reverse("work:marketplace"))

    assert '<html lang="fr">' in html
    assert ">Trouver du travail</a>" in html
    assert ">Heures et taux horaire</a>" in html
    assert ">Se déconnecter</button>" in html
    # Amounts keep the code's format; the words around them are French.
    assert "30,00\u00a0€ / heure" in html  # money as French writes it (common/money.py)
    assert "(estimation du demandeur)" in html
    assert ">Accepter</button>" in html
    assert "Find work" not in html


@pytest.mark.django_db
def test_marketplace_stays_english_for_an_english_browser(client, worker):
    client.force_login(worker)

    html = client.get(reverse("work:marketplace"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en">' in html
    assert "There is no work for you right now. Come back later." in html


@pytest.mark.django_db
def test_marketplace_says_there_is_no_work_in_french(client, worker):
    client.force_login(worker)

    html = _fr(client, reverse("work:marketplace"))

    assert "Il n’y a pas de travail pour vous en ce moment. Revenez plus tard." in html


@pytest.mark.django_db
def test_work_page_chrome_renders_in_french(client, worker):
    batch = _batch(time_allotted_seconds=600)
    assignment = AssignmentFactory(task=batch.tasks.order_by("pk").first(), worker=worker)
    client.force_login(worker)

    html = _fr(client, reverse("work:assignment-detail", args=[assignment.public_id]))

    assert "Temps restant" in html
    assert 'data-time-up="temps écoulé"' in html  # the countdown script shows it at zero
    assert "Envoyer et passer à la suivante</label>" in html
    assert ">Rendre</button>" in html
    assert 'title="Tâche"' in html


@pytest.mark.django_db
def test_task_frame_of_a_ready_made_type_renders_in_french(client, worker):
    project = ImageProjectFactory(
        assignments_per_task=1,
        template_config={
            "image_column": "image_url",
            "labels": ["chat", "chien"],
            "question": "",
            "cant_tell": True,
        },
    )
    batch = PublishedBatchFactory(project=project)
    make_tasks(batch, 1)
    client.force_login(worker)

    html = _fr(client, reverse("work:project-preview-frame", args=[project.public_id]))

    assert "Quelle étiquette convient le mieux à cette image" in html
    assert "Je ne sais pas</label>" in html
    assert "Les touches 1–9 choisissent une étiquette, Entrée envoie." in html


@pytest.mark.django_db
def test_history_renders_in_french(client, worker):
    batch = _batch()
    SubmittedAssignmentFactory(task=batch.tasks.order_by("pk").first(), worker=worker)
    client.force_login(worker)

    html = _fr(client, reverse("work:history"))

    assert "<h1>Mon travail</h1>" in html
    assert "<th>Acceptée le</th>" in html
    assert '<span class="badge submitted">Envoyée</span>' in html
    assert "Temps de travail" in html
    assert "Temps actif" in html


@pytest.mark.django_db
def test_fairness_dashboard_renders_in_french(client, worker):
    client.force_login(worker)

    html = _fr(client, reverse("fairness:worker-dashboard"))

    assert "Mes heures et mon taux horaire" in html
    assert "Heures travaillées, payées" in html
    assert "Taux horaire réel" in html
    assert (
        f"Rien à compter pour l’instant{NBSP}: vos heures apparaissent une fois votre travail "
        "envoyé, rendu ou expiré."
    ) in html


@pytest.mark.django_db
def test_sign_up_page_and_its_answer_render_in_french(client):
    WorkerFactory(email="taken@example.org")

    page = _fr(client, reverse("accounts:signup"))
    response = client.post(
        reverse("accounts:signup"),
        {"email": "taken@example.org", "role": "worker", "password": "x"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    sent = client.post(
        reverse("accounts:signup"),
        {"email": "taken@example.org", "role": "worker", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="fr",
        follow=True,
    )

    assert "faire des tâches (travailleur·euse)" in page
    assert "publier des tâches (demandeur)" in page
    assert ">Créer mon compte</button>" in page
    assert response.status_code == 200
    assert response.context["form"].errors["password"][0].startswith("Ce mot de passe est trop")
    assert "Ouvrez-le et suivez son lien" in sent.content.decode()
    assert User.objects.filter(email="taken@example.org").count() == 1


# --- the switcher -------------------------------------------------------------------------


@pytest.mark.django_db
def test_switcher_is_a_post_form_with_csrf_and_no_script(client):
    html = client.get(reverse("accounts:login")).content.decode()

    footer = html[html.index('<footer class="site-footer">') : html.index("</footer>")]
    assert f'action="{reverse("set_language")}" method="post"' in footer
    assert 'name="csrfmiddlewaretoken"' in footer
    assert '<option value="en" lang="en" selected>English</option>' in footer
    assert '<option value="fr" lang="fr">Français</option>' in footer
    assert "<script" not in footer
    assert 'name="next" type="hidden" value="/accounts/login/"' in footer


@pytest.mark.django_db
def test_switcher_sets_french_for_the_next_pages():
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("accounts:login"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post(
        reverse("set_language"),
        {"language": "fr", "next": "/accounts/signup/", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert response.url == "/accounts/signup/"
    assert client.cookies[COOKIE].value == "fr"
    html = client.get("/accounts/signup/").content.decode()  # no Accept-Language
    assert '<html lang="fr">' in html
    assert ">Créer mon compte</button>" in html


@pytest.mark.django_db
def test_switcher_without_the_csrf_token_is_refused_and_changes_nothing():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})

    assert response.status_code == 403
    assert COOKIE not in response.cookies
    assert '<html lang="en">' in client.get(reverse("accounts:login")).content.decode()


@pytest.mark.django_db
def test_switcher_ignores_a_language_the_platform_does_not_offer(client):
    response = client.post(reverse("set_language"), {"language": "de", "next": "/"})

    assert response.status_code == 302
    # Django ships German, so the cookie is set; the platform does not offer it, so it is unused.
    assert '<html lang="en">' in client.get(reverse("accounts:login")).content.decode()


# --- the worker's stored language ---------------------------------------------------------


@pytest.mark.django_db
def test_worker_settings_store_the_language_and_switch_to_it(client, worker):
    client.force_login(worker)

    response = client.post(reverse("accounts:worker-settings"), {"language": "fr"})

    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "fr"
    worker.refresh_from_db()
    assert worker.language == "fr"
    html = client.get(response.url).content.decode()
    assert "Paramètres enregistrés." in html
    assert '<option value="fr" selected>Français</option>' in html


@pytest.mark.django_db
def test_worker_settings_saved_unchanged_keep_the_switcher_choice(client, worker):
    client.force_login(worker)
    client.cookies[COOKIE] = "fr"

    response = client.post(reverse("accounts:worker-settings"), {"country": "FR"})

    assert response.status_code == 302
    assert COOKIE not in response.cookies
    assert client.cookies[COOKIE].value == "fr"
    worker.refresh_from_db()
    assert worker.language == ""


@pytest.mark.django_db
def test_worker_settings_back_to_the_browser_language_removes_the_cookie(client, worker):
    user_language_set(user=worker, language="fr")
    client.force_login(worker)
    client.cookies[COOKIE] = "fr"

    response = client.post(reverse("accounts:worker-settings"), {"language": ""})

    assert response.cookies[COOKIE].value == ""  # an expired cookie
    worker.refresh_from_db()
    assert worker.language == ""


@pytest.mark.django_db
def test_worker_settings_refuse_an_unknown_language_and_change_nothing(client, worker):
    client.force_login(worker)

    response = client.post(reverse("accounts:worker-settings"), {"language": "de"})

    assert response.status_code == 200
    assert "language" in response.context["form"].errors
    assert COOKIE not in response.cookies
    worker.refresh_from_db()
    assert worker.language == ""


@pytest.mark.django_db
def test_user_language_set_refuses_an_unknown_code(worker):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        user_language_set(user=worker, language="de")

    assert list(error.value.message_dict) == ["language"]
    worker.refresh_from_db()
    assert worker.language == ""


@pytest.mark.django_db
def test_login_brings_back_the_stored_language(client):
    worker = WorkerFactory(email="lea@example.org", language="fr")

    response = client.post(
        reverse("accounts:login"), {"username": "lea@example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "fr"
    assert '<html lang="fr">' in client.get(reverse("work:marketplace")).content.decode()
    assert worker.language == "fr"


@pytest.mark.django_db
def test_login_without_a_stored_language_leaves_the_browser_choice(client):
    WorkerFactory(email="sam@example.org")

    response = client.post(
        reverse("accounts:login"), {"username": "sam@example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert COOKIE not in response.cookies


@pytest.mark.django_db
def test_worker_settings_list_countries_by_their_french_names_in_french_order(client, worker):
    client.force_login(worker)

    html = _fr(client, reverse("accounts:worker-settings"))

    assert '<option value="DE">Allemagne</option>' in html
    # Sorted as a French reader looks: Égypte among the E's, Allemagne before Zambie.
    assert html.index(">Égypte<") < html.index(">Équateur<") < html.index(">Espagne<")
    assert html.index(">Afrique du Sud<") < html.index(">Allemagne<") < html.index(">Zambie<")
    english = client.get(reverse("accounts:worker-settings")).content.decode()
    assert '<option value="DE">Germany</option>' in english


@pytest.mark.django_db
def test_requester_pages_render_in_french_too(client):
    client.force_login(RequesterFactory())

    html = _fr(client, reverse("projects:project-list"))

    assert "Créer votre premier projet" in html


# --- the catalogue ------------------------------------------------------------------------


def _po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr forms and flags."""
    entries, entry, field = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry is not None and "id" in entry:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = {"flags": set(), "ctxt": None, "plural": None, "strs": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, int):
                entry["strs"][field] += value
            else:
                entry[field] += value
        else:
            keyword, _space, value = line.partition(" ")
            value = ast.literal_eval(value)
            if keyword == "msgctxt":
                field = "ctxt"
            elif keyword == "msgid":
                field = "id"
            elif keyword == "msgid_plural":
                field = "plural"
            elif keyword == "msgstr":
                field = 0
            else:  # msgstr[n]
                field = int(keyword[len("msgstr[") : -1])
            if isinstance(field, int):
                entry["strs"][field] = value
            else:
                entry[field] = value
    return [entry for entry in entries if entry["id"]]  # drop the header


PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def test_french_catalogue_is_inside_the_package():
    # BASE_DIR is the package folder, so an installed wheel and the repository both find it.
    assert Path(settings.LOCALE_PATHS[0]) == PO_PATH.parents[2]
    assert PO_PATH.with_suffix(".mo").is_file()


def test_french_catalogue_has_no_fuzzy_or_empty_entry():
    entries = _po_entries(PO_PATH)

    assert len(entries) > 1000
    assert [e["id"] for e in entries if "fuzzy" in e["flags"]] == []
    assert [e["id"] for e in entries if not all(e["strs"].values())] == []
    assert [e["id"] for e in entries if e["plural"] and sorted(e["strs"]) != [0, 1]] == []


def test_french_translations_keep_every_placeholder():
    wrong = []
    for entry in _po_entries(PO_PATH):
        if "python-format" not in entry["flags"]:
            continue  # "this % of" is plain text, never interpolated
        wanted = sorted(PLACEHOLDER.findall(entry["plural"] or entry["id"]))
        for form, text in entry["strs"].items():
            found = sorted(PLACEHOLDER.findall(text))
            # A singular form may say "one" instead of "%(n)d".
            if found != wanted and not (entry["plural"] and form == 0):
                wrong.append((entry["id"], text))
    assert wrong == []


def test_compiled_catalogue_is_in_step_with_the_po():
    """Every msgid of the .po translates, through the compiled .mo, to its msgstr.

    A .po edited without `compilemessages` fails here.
    """
    stale = []
    with translation.override("fr"):
        for entry in _po_entries(PO_PATH):
            if entry["plural"]:
                got = [
                    translation.npgettext(entry["ctxt"], entry["id"], entry["plural"], n)
                    if entry["ctxt"]
                    else translation.ngettext(entry["id"], entry["plural"], n)
                    for n in (1, 2)
                ]
                want = [entry["strs"][0], entry["strs"][1]]
            else:
                got = [
                    translation.pgettext(entry["ctxt"], entry["id"])
                    if entry["ctxt"]
                    else translation.gettext(entry["id"])
                ]
                want = [entry["strs"][0]]
            if got != want:
                stale.append((entry["id"], got, want))
    assert stale == []
