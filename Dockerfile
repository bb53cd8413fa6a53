# One image for every Procfile role: pick the role by the command.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY actors ./actors
COPY ui ./ui
COPY scheduler ./scheduler
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
# Tesseract reads scanned resumes (OCR); without it they fail as scanned.
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 shortlist
COPY --from=build /venv /venv
# dramatiq_worker_timeout: see the README's Processes section.
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PORT=8080 dramatiq_worker_timeout=100
USER shortlist
WORKDIR /home/shortlist
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8080\")}/healthz', timeout=4)"
CMD ["python", "-m", "ui"]
