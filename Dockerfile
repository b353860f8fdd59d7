# One image for every Django process of the stack: gunicorn (the default
# command), the Celery worker, Celery beat and the one-shot migrate job
# (docker-compose.yml picks the command per service).
FROM python:3.13-slim

# PYTHONPATH: `celery -A disputes_site` and gunicorn import the project from
# /app. VAR_DIR: runtime data (local media fallback, beat's schedule file)
# lives apart from the source, in the one directory the app user may write.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    VAR_DIR=/app/var \
    WEB_CONCURRENCY=3

# The processes run unprivileged; the source stays root-owned and read-only.
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# WeasyPrint (the parties' decision PDF) lays text out with Pango and needs a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a source change does not reinstall them. The runtime
# lock only: test and lint tools stay out of the image.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .

# Static files are collected (hashed and compressed by whitenoise) at build
# time. Production settings refuse to load without a real-looking secret key,
# so collectstatic gets a throwaway one and a throwaway SQLite URL that exist
# only in this step: neither is kept in the image's environment.
RUN DJANGO_SETTINGS_MODULE=disputes_site.settings.production \
    DJANGO_SECRET_KEY=build-only-collectstatic-key-never-used-at-runtime-0123456789 \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/build.sqlite3 \
    && chown app:app "$VAR_DIR"

USER app

EXPOSE 8000

# sh -c so that WEB_CONCURRENCY can be changed per deployment; exec so that
# gunicorn is PID 1 and receives the stop signal itself.
CMD ["sh", "-c", "exec gunicorn disputes_site.wsgi:application --bind 0.0.0.0:8000 --workers \"${WEB_CONCURRENCY:-3}\" --access-logfile - --error-logfile -"]
