"""Two-factor login (accounts/two_factor.py, docs/adr/0027) with real TOTP codes computed
from the device's key, as an authenticator app would: set up, log in with the password then a
code, a wrong or replayed code refused, a backup code good once, turning it off, and staff sent
to give a code or to set one up before any staff page."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from microwork.accounts import two_factor
from tests.accounts.factories import PASSWORD, RequesterFactory, WorkerFactory

pytestmark = pytest.mark.django_db


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the app shows now (or `steps_ahead` periods of 30 s later)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:0{device.digits}d}"


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return device, two_factor.backup_codes_make(user=user)


def _password_step(client: Client, user, next_url: str = ""):
    data = {"username": user.email, "password": PASSWORD}
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, data)


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- setting up ------------------------------------------------------------------------------


def test_a_requester_sets_up_an_authenticator_from_the_qr_code_and_gets_backup_codes():
    requester = RequesterFactory()
    client = Client()
    client.force_login(requester)

    assert client.post(reverse("accounts:two-factor-start")).status_code == 302
    page = client.get(reverse("accounts:two-factor")).content.decode()
    device = TOTPDevice.objects.get(user=requester)
    assert not device.confirmed
    assert 'src="data:image/svg+xml;base64,' in page
    assert "<script>" not in page and "style=" not in page  # nothing inline (the CSP)
    assert two_factor.secret_for_typing(device) in page

    response = client.post(reverse("accounts:two-factor-confirm"), {"code": code_of(device)})

    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == two_factor.BACKUP_CODE_COUNT
    device.refresh_from_db()
    assert device.confirmed
    assert sorted(
        StaticToken.objects.filter(device__user=requester).values_list("token", flat=True)
    ) == sorted(codes)
    assert two_factor.is_enabled(requester)


def test_a_wrong_code_does_not_confirm_the_authenticator(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    requester = RequesterFactory()
    client = Client()
    client.force_login(requester)
    client.post(reverse("accounts:two-factor-start"))
    device = TOTPDevice.objects.get(user=requester)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("accounts:two-factor-confirm"), {"code": wrong}, follow=True)

    assert "Wrong or already used code." in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=requester).exists()


def test_workers_are_not_offered_two_factor_login():
    worker = WorkerFactory()
    client = Client()
    client.force_login(worker)

    assert client.get(reverse("accounts:two-factor")).status_code == 403
    assert client.post(reverse("accounts:two-factor-start")).status_code == 403
    assert not TOTPDevice.objects.exists()


def test_the_qr_code_encodes_the_devices_otpauth_address():
    requester = RequesterFactory(email="lab@example.org")
    device = two_factor.totp_device_start(user=requester)

    uri = two_factor.qr_code_data_uri(device)

    import base64

    svg = base64.b64decode(uri.removeprefix("data:image/svg+xml;base64,")).decode()
    assert svg.startswith("<svg") and "<path" in svg and "script" not in svg
    assert device.config_url.startswith("otpauth://totp/microwork%3Alab%40example.org?secret=")


# --- logging in ------------------------------------------------------------------------------


def test_login_asks_the_code_after_the_password_and_then_logs_in():
    requester = RequesterFactory()
    device, _codes = enrolled(requester)
    client = Client()

    response = _password_step(client, requester, next_url="/requester/")

    assert (response.status_code, response["Location"]) == (302, reverse("accounts:login-code"))
    assert not _is_logged_in(client)
    assert client.get(reverse("projects:project-list")).status_code == 302  # not yet in

    done = client.post(reverse("accounts:login-code"), {"code": code_of(device)})

    assert (done.status_code, done["Location"]) == (302, "/requester/")
    assert _is_logged_in(client)
    assert client.get(reverse("projects:project-list")).status_code == 200


def test_a_wrong_code_is_refused_and_logs_nobody_in(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    requester = RequesterFactory()
    device, _codes = enrolled(requester)
    client = Client()
    _password_step(client, requester)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("accounts:login-code"), {"code": wrong})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Wrong or already used code."]
    assert not _is_logged_in(client)
    device.refresh_from_db()
    assert (device.last_t, device.throttling_failure_count) == (-1, 1)


def test_a_replayed_code_is_refused(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the refusal slows nothing down here
    requester = RequesterFactory()
    device, _codes = enrolled(requester)
    code = code_of(device)
    first, second = Client(), Client()
    _password_step(first, requester)
    _password_step(second, requester)

    assert first.post(reverse("accounts:login-code"), {"code": code}).status_code == 302
    replay = second.post(reverse("accounts:login-code"), {"code": code})

    assert replay.status_code == 200
    assert replay.context["form"].errors["code"] == ["Wrong or already used code."]
    assert not _is_logged_in(second)
    # The next period's code is good.
    assert (
        second.post(
            reverse("accounts:login-code"), {"code": code_of(device, steps_ahead=1)}
        ).status_code
        == 302
    )


def test_after_a_wrong_code_even_the_right_one_waits(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 3600  # an hour's wait: no test takes that long
    requester = RequesterFactory()
    device, _codes = enrolled(requester)
    client = Client()
    _password_step(client, requester)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    client.post(reverse("accounts:login-code"), {"code": wrong})
    response = client.post(reverse("accounts:login-code"), {"code": code_of(device)})

    assert response.status_code == 200
    assert not _is_logged_in(client)


def test_a_backup_code_logs_in_once():
    requester = RequesterFactory()
    _device, codes = enrolled(requester)
    first, second = Client(), Client()
    _password_step(first, requester)
    _password_step(second, requester)

    assert first.post(reverse("accounts:login-code"), {"code": codes[0].upper()}).status_code == 302
    again = second.post(reverse("accounts:login-code"), {"code": codes[0]})

    assert again.status_code == 200
    assert not _is_logged_in(second)
    assert two_factor.backup_codes_left(requester) == two_factor.BACKUP_CODE_COUNT - 1


def test_the_code_page_without_a_password_first_sends_to_the_login_page():
    requester = RequesterFactory()
    device, _codes = enrolled(requester)
    client = Client()

    response = client.post(reverse("accounts:login-code"), {"code": code_of(device)})

    assert (response.status_code, response["Location"]) == (302, reverse("accounts:login"))
    assert not _is_logged_in(client)
    device.refresh_from_db()
    assert device.last_t == -1  # the code was not even tried


def test_a_login_without_two_factor_is_one_step():
    requester = RequesterFactory()
    client = Client()

    response = _password_step(client, requester)

    assert response.status_code == 302 and response["Location"] != reverse("accounts:login-code")
    assert _is_logged_in(client)


# --- turning it off ----------------------------------------------------------------------


def test_turning_it_off_needs_the_password_and_a_code():
    requester = RequesterFactory()
    device, codes = enrolled(requester)
    client = Client()
    client.force_login(requester)

    wrong_password = client.post(
        reverse("accounts:two-factor-disable"), {"password": "nope", "code": code_of(device)}
    )
    no_code = client.post(
        reverse("accounts:two-factor-disable"), {"password": PASSWORD, "code": "123456"}
    )

    assert wrong_password.status_code == no_code.status_code == 302
    assert two_factor.is_enabled(requester)
    assert two_factor.backup_codes_left(requester) == len(codes)

    client.post(reverse("accounts:two-factor-disable"), {"password": PASSWORD, "code": codes[1]})

    assert not TOTPDevice.objects.filter(user=requester).exists()
    assert not StaticDevice.objects.filter(user=requester).exists()


# --- staff ---------------------------------------------------------------------------------


def test_staff_without_an_authenticator_are_sent_to_set_one_up_where_required(settings):
    settings.MICROWORK_STAFF_REQUIRE_2FA = True
    staff = RequesterFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)

    for path in ("/admin/", reverse("payments:staff-payouts"), reverse("projects:project-list")):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, reverse("accounts:two-factor"))
    assert client.get(reverse("accounts:two-factor")).status_code == 200


def test_staff_are_not_held_where_two_factor_is_not_required(settings):
    settings.MICROWORK_STAFF_REQUIRE_2FA = False
    staff = RequesterFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)

    assert client.get("/admin/").status_code == 200


def test_staff_logged_in_on_the_admins_page_give_their_code_before_the_admin(settings):
    settings.MICROWORK_STAFF_REQUIRE_2FA = True
    staff = RequesterFactory(is_staff=True, is_superuser=True)
    device, _codes = enrolled(staff)
    client = Client()
    client.force_login(staff)  # as the admin's own login page does: password only

    held = client.get("/admin/")
    assert held.status_code == 302
    assert urlsplit(held["Location"]).path == reverse("accounts:login-code")

    done = client.post(held["Location"], {"code": code_of(device)})

    assert (done.status_code, done["Location"]) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200


def test_staff_with_a_code_reach_the_admin(settings):
    settings.MICROWORK_STAFF_REQUIRE_2FA = True
    staff = RequesterFactory(is_staff=True, is_superuser=True)
    device, _codes = enrolled(staff)
    client = Client()
    _password_step(client, staff)
    client.post(reverse("accounts:login-code"), {"code": code_of(device)})

    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("payments:staff-payouts")).status_code == 200


def test_the_mturk_and_rest_doors_ask_no_code(settings):
    settings.MICROWORK_STAFF_REQUIRE_2FA = True
    from microwork.accounts.enums import ApiTokenScope
    from microwork.accounts.tokens import api_token_create

    staff = RequesterFactory(is_staff=True)
    enrolled(staff)
    _token, secret = api_token_create(user=staff, name="script", scope=ApiTokenScope.READ)

    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 200


# --- at once -------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_code_given_by_eight_threads_at_once_is_accepted_once(settings):
    from tests.threads import run_in_threads

    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the refusals must not slow the others down
    requester = RequesterFactory()
    device, codes = enrolled(requester)
    totp_code = code_of(device)
    accepted = []

    def give(index: int) -> None:
        code = totp_code if index % 2 == 0 else codes[0]
        if two_factor.verify(user=requester, code=code) is not None:
            accepted.append(code)

    errors = run_in_threads(8, give)

    assert errors == []
    assert sorted(accepted) == sorted([totp_code, codes[0]])
    assert two_factor.backup_codes_left(requester) == two_factor.BACKUP_CODE_COUNT - 1
