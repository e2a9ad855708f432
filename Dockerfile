# syntax=docker/dockerfile:1
# Production image: gunicorn serving portal.wsgi, also used for the Celery worker and beat.
#   docker build -t dvc-portal .
# See docs/production.md.

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# --- 1. Dependencies into a virtualenv -------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies first, against empty package stubs, so that a code change does not reinstall
# them (this layer only changes when pyproject.toml or constraints.txt change).
COPY pyproject.toml constraints.txt README.md ./
RUN for pkg in portal procedures dossiers payments feedback reporting; do \
        mkdir -p "$pkg" && touch "$pkg/__init__.py"; \
    done \
 && pip install --no-cache-dir -c constraints.txt . \
 && pip uninstall --yes dvc-portal

# The project itself, at the exact pinned versions.
COPY . .
RUN pip install --no-cache-dir -c constraints.txt .

# --- 2. Runtime --------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# WeasyPrint (PDF receipts and reports) needs Pango and HarfBuzz, and fonts with Vietnamese
# glyphs; gettext provides msgfmt for compilemessages.
RUN apt-get update \
 && apt-get install --yes --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        fonts-liberation2 \
        gettext \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

# The code is run from /app (templates/, static/ and locale/ live next to the packages, and
# settings.BASE_DIR is derived from portal/settings.py), hence PYTHONPATH=/app.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=portal.settings \
    DJANGO_ENV=production \
    STATIC_ROOT=/app/var/static \
    MEDIA_ROOT=/data/media \
    PRIVATE_MEDIA_ROOT=/data/private

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# Owned by root and read-only for the app user; only /data is writable at run time.
COPY . .

# Translations and static files are built into the image (DJANGO_ENV=production, so the
# hashed, compressed manifest storage). The secret key here is a throwaway for these two
# commands only, not kept in the image; production supplies its own at run time.
RUN export SECRET_KEY=build-time-only-placeholder-never-used-at-run-time-0123456789 \
           ALLOWED_HOSTS=localhost \
 && mkdir -p locale \
 && python manage.py compilemessages --ignore=.venv \
 && python manage.py collectstatic --noinput \
 && chmod 0755 docker/entrypoint.sh \
 && mkdir -p /data/media /data/private /data/beat \
 && chown -R app:app /data

USER app
EXPOSE 8000

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# Workers: WEB_CONCURRENCY (default 2 × CPUs + 1), see docker/gunicorn.conf.py.
CMD ["gunicorn", "--config", "docker/gunicorn.conf.py", "portal.wsgi:application"]
