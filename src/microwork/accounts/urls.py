from django.contrib.auth import views as auth_views
from django.urls import path

from microwork.accounts import views
from microwork.accounts.forms import LoginForm

app_name = "accounts"
urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", views.worker_settings, name="worker-settings"),
]
