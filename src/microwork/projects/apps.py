from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "microwork.projects"
    label = "projects"
