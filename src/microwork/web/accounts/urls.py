from django.contrib.auth import views as auth_views
from django.urls import path

from microwork.web.accounts import password_views, token_views, two_factor_views, views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("signup/sent/", views.sign_up_done, name="signup-done"),
    path("email/", views.email_change, name="email-change"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", two_factor_views.login_code, name="login-code"),
    path("two-factor/", two_factor_views.two_factor_settings, name="two-factor"),
    path("two-factor/start/", two_factor_views.two_factor_start, name="two-factor-start"),
    path("two-factor/confirm/", two_factor_views.two_factor_confirm, name="two-factor-confirm"),
    path("two-factor/disable/", two_factor_views.two_factor_disable, name="two-factor-disable"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", views.worker_settings, name="worker-settings"),
    path("password/reset/", password_views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/sent/",
        password_views.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        password_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/done/",
        password_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("tokens/", token_views.token_list, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="api-token-revoke"),
]
