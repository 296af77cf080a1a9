"""The worker's path in a real browser (headless Chromium): the sandbox holds, and a submitted
answer lands and leads to the next task.

Needs Chromium and its driver (`.ci/run` installs them) and PostgreSQL: the live server needs a
transactional database, and on SQLite its flush would trip the ledger's append-only triggers.
"""

import shutil

import pytest
from django.conf import settings

from microwork.projects.enums import TemplateKind
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import (
    ProjectFactory,
    PublishedBatchFactory,
    TaskFactory,
    make_tasks,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="needs chromium and chromedriver"),
]

# A hostile template: it tries to read the worker's cookies and the platform page around it,
# and records what happened in the answer it submits.
PROBE_TEMPLATE = """
<p id="text">${text}</p>
<input type="hidden" name="cookie_probe" id="cookie_probe" value="">
<input type="hidden" name="parent_probe" id="parent_probe" value="">
<label><input type="radio" name="answer" value="yes" required> yes</label>
<script>
try { document.getElementById("cookie_probe").value = "read:" + document.cookie; }
catch (e) { document.getElementById("cookie_probe").value = "blocked:" + e.name; }
try { document.getElementById("parent_probe").value = "read:" + window.parent.document.title; }
catch (e) { document.getElementById("parent_probe").value = "blocked:" + e.name; }
</script>
"""


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=360,800",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def _log_in(browser, live_server, client, user):
    client.force_login(user)
    browser.get(live_server.url + "/accounts/login/")
    browser.add_cookie(
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        }
    )


def test_worker_submits_in_sandboxed_frame_and_gets_next_task(browser, live_server, client):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    project = ProjectFactory(
        template_kind=TemplateKind.CUSTOM_HTML, template_html=PROBE_TEMPLATE, assignments_per_task=1
    )
    batch = PublishedBatchFactory(project=project)
    make_tasks(batch, 2)
    worker = WorkerFactory()
    _log_in(browser, live_server, client, worker)

    browser.get(f"{live_server.url}/work/projects/{project.public_id}/")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/accept/'] button").click()
    # The click only starts the POST: wait for the work page before reading the database.
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/work/assignments/"))
    first = Assignment.objects.get(worker=worker)
    assert first.public_id in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "iframe.task-frame").get_attribute("sandbox") == (
        "allow-forms allow-scripts"
    )

    browser.switch_to.frame(browser.find_element(By.CSS_SELECTOR, "iframe.task-frame"))
    browser.find_element(By.CSS_SELECTOR, "input[name=answer]").click()
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.switch_to.default_content()

    WebDriverWait(browser, 10).until(
        lambda driver: Assignment.objects.filter(worker=worker).count() == 2
    )
    first.refresh_from_db()
    assert first.state == AssignmentState.SUBMITTED
    assert first.answers["answer"] == "yes"
    assert first.answers["cookie_probe"] == "blocked:SecurityError"
    assert first.answers["parent_probe"] == "blocked:SecurityError"
    second = Assignment.objects.filter(worker=worker).exclude(pk=first.pk).get()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains(second.public_id))
    assert second.task_id != first.task_id


def _accept_and_enter_frame(browser, live_server, project):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_server.url}/work/projects/{project.public_id}/")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/accept/'] button").click()
    # The preview page has a task frame too: wait for the work page before entering one.
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/work/assignments/"))
    browser.switch_to.frame(browser.find_element(By.CSS_SELECTOR, "iframe.task-frame"))


def _png_data_url(width: int, height: int) -> str:
    """A grey picture as a data: address (the frame allows data: images), no server needed."""
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (128, 128, 128)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_worker_classifies_an_image_with_a_hotkey(browser, live_server, client):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    project = ProjectFactory(
        template_kind=TemplateKind.IMAGE_CLASSIFICATION,
        template_html="",
        template_config={"image_column": "image_url", "labels": ["cat", "dog", "bird"]},
        assignments_per_task=1,
    )
    batch = PublishedBatchFactory(project=project, columns=["image_url"])
    TaskFactory(batch=batch, input={"image_url": _png_data_url(8, 8)})
    worker = WorkerFactory()
    _log_in(browser, live_server, client, worker)

    _accept_and_enter_frame(browser, live_server, project)
    # A click on the picture gives the frame the keyboard focus, as a worker's first look would.
    browser.find_element(By.CSS_SELECTOR, ".mw-image img").click()
    ActionChains(browser).send_keys("2").perform()
    assert browser.find_element(By.CSS_SELECTOR, "input[value=dog]").is_selected()
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    browser.switch_to.default_content()

    WebDriverWait(browser, 10).until(
        lambda driver: Assignment.objects.filter(
            worker=worker, state=AssignmentState.SUBMITTED
        ).exists()
    )
    assert Assignment.objects.get(worker=worker).answers == {"label": "dog"}


def test_worker_draws_a_box_with_the_mouse(browser, live_server, client):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    project = ProjectFactory(
        template_kind=TemplateKind.BOUNDING_BOXES,
        template_html="",
        template_config={"image_column": "image_url", "labels": ["car", "person"]},
        assignments_per_task=1,
    )
    batch = PublishedBatchFactory(project=project, columns=["image_url"])
    TaskFactory(batch=batch, input={"image_url": _png_data_url(100, 80)})
    worker = WorkerFactory()
    _log_in(browser, live_server, client, worker)

    _accept_and_enter_frame(browser, live_server, project)
    stage = browser.find_element(By.CSS_SELECTOR, ".mw-stage img")
    browser.execute_script("arguments[0].style.width = '200px'", stage)
    # Shown at twice its size: a drag from the centre, 50 px right and down, is 25 image pixels.
    ActionChains(browser).move_to_element(stage).click_and_hold().move_by_offset(
        25, 25
    ).move_by_offset(25, 25).release().perform()
    ActionChains(browser).send_keys("2").perform()  # the new box is selected: label it "person"
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.switch_to.default_content()

    WebDriverWait(browser, 10).until(
        lambda driver: Assignment.objects.filter(
            worker=worker, state=AssignmentState.SUBMITTED
        ).exists()
    )
    answers = Assignment.objects.get(worker=worker).answers
    assert (answers["image_width"], answers["image_height"]) == (100, 80)
    [box] = answers["boxes"]
    assert box["label"] == "person"
    assert box["x1"] == pytest.approx(50, abs=1)
    assert box["y1"] == pytest.approx(40, abs=1)
    assert box["x2"] == pytest.approx(75, abs=1)
    assert box["y2"] == pytest.approx(65, abs=1)
