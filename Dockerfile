# Backdesk application image (web, celery worker and celery beat all use it).
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings

# WeasyPrint runtime: pango + harfbuzz subsetting; Noto CJK so Chinese text renders in PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libharfbuzz-subset0 \
      fonts-noto-cjk \
      libpango-1.0-0 \
      libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# collectstatic needs settings to import; these values exist only for this RUN
# (not baked into the image environment). Static files are served by WhiteNoise.
ARG BUILD_SECRET_KEY=build-only
RUN SECRET_KEY="$BUILD_SECRET_KEY" DEBUG=0 python manage.py collectstatic --noinput

# Non-root runtime user; var/ (media, mail files) must be writable by it.
RUN groupadd --system --gid 10001 backdesk \
 && useradd --system --uid 10001 --gid backdesk --home-dir /app --no-create-home --shell /usr/sbin/nologin backdesk \
 && mkdir -p /app/var/media /app/var/mail \
 && chown -R backdesk:backdesk /app/var

USER backdesk

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
