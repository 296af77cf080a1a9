import pytest

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes import ConfigInvalid
from microwork.projects.templating import AnswerInvalid
from microwork.work import results, services
from microwork.work.enums import AssignmentState
from tests.projects.tasktypes.conftest import XSS, answer, parsed, rendered

KIND = TemplateKind.DATA_ENTRY
FIELDS = (
    "company | text | Company | ^[A-Z][a-z]+(Ltd|Inc)?$\n"
    "staff | number | Staff | 0..100\n"
    "price | number | Price | 0..1000 step 0.01 | optional\n"
    "founded | date | Founded | 1900-01-01..2030-12-31 | optional\n"
    "kind | choice | Kind | shop, office\n"
    "site | url | Site | optional\n"
    "mail | email | Mail"
)
CONFIG = {"source_columns": "name\ncity", "fields": FIELDS}
GOOD = {
    "company": ["Acme"],
    "staff": ["12"],
    "price": ["9.99"],
    "founded": [""],
    "kind": ["shop"],
    "site": ["https://acme.example"],
    "mail": ["info@acme.example"],
}


def test_config_round_trips_through_the_form_text():
    from microwork.projects import tasktypes

    data_entry = tasktypes.task_type(KIND)
    config = parsed(KIND, CONFIG)

    assert parsed(KIND, data_entry.form_initial(config)) == config
    assert parsed(KIND, config) == config
    assert config["fields"][0]["pattern"] == "^[A-Z][a-z]+(Ltd|Inc)?$"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("1bad | text | X", "cannot name a field"),
        ("mw_token | text | X", "cannot name a field"),
        ("a | text | A\na | text | B", "used twice"),
        ("a | colour | A", "not a field kind"),
        ("a | number | A | 10..1", "is empty"),
        ("a | text | A | ([", "not a valid regular expression"),
        ("a | choice | A | only", "at least two different options"),
        ("a | date | A | 2024-13-01..", "not a date"),
    ],
)
def test_config_refuses(fields, message):
    with pytest.raises(ConfigInvalid, match=message) as raised:
        parsed(KIND, {"source_columns": "name", "fields": fields})

    assert raised.value.field == "fields"


def test_fields_carry_the_same_rules_as_html_attributes():
    html = rendered(KIND, CONFIG, {"name": XSS, "city": "Rome"})

    assert "<dd>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</dd>" in html
    assert 'pattern="^[A-Z][a-z]+(Ltd|Inc)?$"' in html
    assert 'type="number" name="staff" id="mw-f-staff" required step="1"' in html
    assert 'min="0" max="100"' in html
    assert 'step="0.01"' in html
    assert 'type="date" name="founded" id="mw-f-founded" min="1900-01-01" max="2030-12-31"' in html
    assert '<select name="kind" id="mw-f-kind" required>' in html
    assert 'type="url" name="site" id="mw-f-site" autocomplete' in html
    assert 'type="email" name="mail" id="mw-f-mail" required' in html


def test_good_answer_is_typed():
    assert answer(KIND, CONFIG, GOOD) == {
        "company": "Acme",
        "staff": 12,
        "price": 9.99,
        "founded": "",
        "kind": "shop",
        "site": "https://acme.example",
        "mail": "info@acme.example",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("company", "acme", "Company: This does not have the expected form."),
        ("staff", "101", "Staff: The largest value is 100."),
        ("staff", "-1", "Staff: The smallest value is 0."),
        ("staff", "1.5", "Staff: Use steps of 1."),
        ("staff", "NaN", "Staff: Type a number."),
        ("staff", "", "Staff: This answer is required."),
        ("price", "1.234", "Price: Use steps of 0.01."),
        ("founded", "2031-01-01", "Founded: The latest date is 2030-12-31."),
        ("founded", "31/12/2020", "Founded: Give a date like 2024-12-31."),
        ("kind", "factory", "Kind: Choose one of the options."),
        ("site", "javascript:alert(1)", "Site: Give a web address"),
        ("mail", "not-an-address", "Mail: Give an email address."),
    ],
)
def test_bad_answer_is_refused_naming_the_field(field, value, message):
    with pytest.raises(AnswerInvalid) as raised:
        answer(KIND, CONFIG, {**GOOD, field: [value]})

    assert raised.value.field == field
    assert raised.value.message.startswith(message)


def test_refused_submission_stores_nothing_and_good_one_exports(make_assignment):
    assignment = make_assignment(KIND, CONFIG, {"name": "Acme", "city": "Rome"})

    with pytest.raises(services.WorkRefused, match="Staff"):
        services.assignment_submit(assignment=assignment, fields={**GOOD, "staff": ["x"]})
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACCEPTED
    assert not assignment.answers

    services.assignment_submit(assignment=assignment, fields=GOOD)
    header, row = (
        line.rstrip("\r\n").split(",") for line in results.results_csv(assignment.task.batch)
    )
    exported = dict(zip(header, row, strict=True))
    assert exported["Answer.staff"] == "12"
    assert exported["Answer.price"] == "9.99"
