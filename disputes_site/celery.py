"""The Celery application: settings from Django's CELERY_ namespace, tasks autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disputes_site.settings.local")

app = Celery("disputes_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # every installed app's tasks.py
app.autodiscover_tasks(["disputes_site"])  # the site-wide ones
