# syntax=docker/dockerfile:1
# Kluis in two stages: the first builds a virtualenv with the pinned dependencies (constraints.txt),
# the second copies only that virtualenv onto a slim Python base, with no compiler, no pip cache
# and no source tree, and runs it as an unprivileged user. docs/operations.md, "Containers".

FROM python:3.11-slim-trixie AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN python -m venv /opt/kluis \
    && /opt/kluis/bin/pip install -c constraints.txt . \
    && /opt/kluis/bin/pip uninstall --yes pip \
    && find /opt/kluis -name '__pycache__' -prune -exec rm -rf {} +

FROM python:3.11-slim-trixie AS runtime
# pg_dump and pg_restore for `kluis backup create` on PostgreSQL (the major version of compose.yaml's
# server); nothing that compiles.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 kluis \
    && useradd --system --uid 10001 --gid kluis --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin kluis \
    && install --directory --owner=kluis --group=kluis --mode=0700 /data
COPY --from=build /opt/kluis /opt/kluis
COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/kluis-entrypoint
ENV PATH=/opt/kluis/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KLUIS_DATA_DIR=/data \
    KLUIS_LOG_FORMAT=json
# The data directory: master.key (unless a secret gives the key), the erasure register's file,
# and the SQLite stores when no PostgreSQL is named. Keep it on a volume.
VOLUME ["/data"]
USER kluis:kluis
WORKDIR /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('KLUIS_PORT', '8000'), timeout=4)"]
ENTRYPOINT ["kluis-entrypoint"]
CMD ["web"]
