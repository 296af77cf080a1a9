"""Password reset: Django's four views with our templates, the mail sent by the notification
machinery (notifications/password_reset.py: the account's language, the job queue after the
commit) and a limit on requests per client address and per email address."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from microwork.common.ratelimits import client_address
from microwork.notifications import password_reset


class PasswordResetView(auth_views.PasswordResetView):
    form_class = password_reset.PasswordResetForm
    template_name = "notifications/password/reset_form.html"
    email_template_name = "notifications/email/password_reset.txt"
    html_email_template_name = "notifications/email/password_reset.html"
    success_url = reverse_lazy("accounts:password-reset-done")

    def post(self, request, *args, **kwargs):
        if not password_reset.client_allowed(client_address(request)):
            form = self.get_form()
            form.is_valid()
            form.add_error(None, password_reset.TOO_MANY)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "notifications/password/reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "notifications/password/reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "notifications/password/reset_complete.html"
