# advice_chat container image. Review of the choices: docs/deployment.md, "The container image".
# Everything comes from PyPI and the official Debian-based Python image; nothing is fetched
# from anywhere else, and the running image holds no compiler and no package manager cache.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: a virtualenv with the dependencies, then the project (editable, see below) ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Dependencies first, from pyproject.toml alone, so a code change reuses this layer.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt
# The code, templates, static files and knowledge base. Installed editable because the service
# finds templates/, static/ and knowledge_base/ beside the package (advice_chat/config.py).
COPY . .
# Translations compiled here (a fresh clone compiles them in memory at start instead).
RUN pip install --no-cache-dir --no-deps -e . \
    && pybabel compile -d advice_chat/locale \
    && python -m compileall -q advice_chat /opt/venv/lib

# ---- runtime: the same base, the virtualenv and the tree, a non-root user ----
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ADVICE_CHAT_HOST=0.0.0.0 \
    ADVICE_CHAT_PORT=8080 \
    ADVICE_CHAT_VAR_DIR=/var/lib/advice-chat
RUN groupadd --system --gid 10001 advice \
    && useradd --system --uid 10001 --gid advice --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin advice \
    && mkdir -p /var/lib/advice-chat \
    && chown advice:advice /var/lib/advice-chat \
    && chmod 0700 /var/lib/advice-chat
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
# The embedded SQLite database, its backups and a generated secret key live here.
VOLUME ["/var/lib/advice-chat"]
USER 10001:10001
EXPOSE 8080
# Alive means the process answers /healthz; readiness (/readyz) is for the load balancer.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ADVICE_CHAT_PORT', '8080'), timeout=4)"]
# SIGTERM starts the graceful shutdown; give the container ADVICE_CHAT_SHUTDOWN_SECONDS plus a
# margin to stop (compose: stop_grace_period) before it is killed.
STOPSIGNAL SIGTERM
ENTRYPOINT ["advice-chat"]
CMD ["serve"]
