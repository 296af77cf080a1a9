from django.urls import path, register_converter

from microwork.web.observatory import views


class MonthConverter:
    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(MonthConverter, "month")

app_name = "observatory"
urlpatterns = [
    path("", views.index, name="index"),
    path("method/", views.method, name="method"),
    path("survey/", views.survey, name="survey"),
    path("survey/withdraw/", views.survey_withdraw, name="survey-withdraw"),
    path("<month:month>/", views.index, name="month"),
    path("<month:month>/package.zip", views.package_download, name="package"),
    path("<month:month>/files/<str:name>", views.file_download, name="file"),
]
