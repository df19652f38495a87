# The streaming worker (and the other `sanitizer` commands) in a small image.
#   docker build -t interaction-sanitizer .
#   docker run --rm -e SANITIZER_BOOTSTRAP_SERVERS=broker:9092 -e SANITIZER_HMAC_KEY_FILE=/run/secrets/hmac_key \
#     -v "$PWD/hmac.key:/run/secrets/hmac_key:ro" -p 6066:6066 interaction-sanitizer
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Only what the package needs: no tests, no local venv (see .dockerignore).
COPY pyproject.toml README.md ./
COPY transforms ./transforms
COPY streams ./streams
COPY cli ./cli
COPY privacy ./privacy
COPY localdev ./localdev
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin sanitizer

# Faust keeps a little worker state on disk; nothing in it is secret or needs to persist.
ENV SANITIZER_DATA_DIR=/tmp/sanitizer \
    SANITIZER_METRICS_PORT=6066
USER sanitizer
EXPOSE 6066

# /healthz answers 503 (urlopen raises) until the worker has joined its group and loaded the
# opt-out registry, and when it has crashed.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SANITIZER_METRICS_PORT', '6066'), timeout=4)"]

ENTRYPOINT ["sanitizer"]
CMD ["worker"]
