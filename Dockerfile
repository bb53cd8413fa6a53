# One image for every Procfile role: the command picks the role (compose.yaml runs each).
# Build with Docker, or with podman using `--format docker` (podman's default format drops
# the HEALTHCHECK).
#
# The base, pinned by digest: pass it as
#   --build-arg PYTHON_IMAGE=python:3.11-slim@sha256:<digest>
# (`docker buildx imagetools inspect python:3.11-slim` prints the digest). The default is
# the plain tag because the machines this image is built and tested on reach no image
# registry to read a digest from (their stand-in base: tests/deploy/podman.sh).
ARG PYTHON_IMAGE=python:3.11-slim

# The runtime requirements, read from pyproject.toml: a change there that leaves them as
# they were (a version, a test marker) does not reinstall anything.
FROM ${PYTHON_IMAGE} AS requirements
WORKDIR /src
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))\
['project']['dependencies']))" > requirements.in

# The dependencies in a layer of their own, before any code, at the versions of
# requirements.lock (CI installs the tests' from the same lock). pip and setuptools are only
# needed here: they leave the venv.
FROM ${PYTHON_IMAGE} AS build
COPY --from=requirements /src/requirements.in /src/
COPY requirements.lock /src/
RUN python -m venv /venv \
    && /venv/bin/pip install --no-cache-dir -c /src/requirements.lock -r /src/requirements.in \
    && /venv/bin/pip uninstall -y -q pip setuptools

FROM ${PYTHON_IMAGE}
# Tesseract reads scanned resumes (OCR); without it they fail as scanned.
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 shortlist \
    && mkdir /data && chown shortlist /data
COPY --from=build /venv /venv
# The code last, so a code change rebuilds only these small layers. It runs from the
# source tree (nothing to build); compiled once here, as the root filesystem may be
# read-only at run time.
COPY pyproject.toml /app/
COPY app /app/app
COPY actors /app/actors
COPY ui /app/ui
COPY scheduler /app/scheduler
RUN /venv/bin/python -m compileall -q /app
# dramatiq_worker_timeout: see the README's Processes section. HEALTH_DIR: where each
# process says it is alive, for the HEALTHCHECK (app/engine/liveness.py).
ENV PATH=/venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PORT=8080 \
    DATA_DIR=/data HEALTH_DIR=/tmp/shortlist-health dramatiq_worker_timeout=100
# `python -m app serve` keeps its SQLite database and generated secret here.
VOLUME /data
USER shortlist
WORKDIR /home/shortlist
EXPOSE 8080
# Fits each role: web asks its own /healthz, a worker process and the scheduler must have
# written within their windows (app/engine/liveness.py). Off for one role: `--no-healthcheck`
# (compose: `healthcheck: {disable: true}`).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["python", "-m", "app.engine.liveness"]
# Roles: python -m ui (web), python -m actors (worker), python -m scheduler,
# python -m app migrate (release), python -m app serve (all in one, on /data).
CMD ["python", "-m", "ui"]
