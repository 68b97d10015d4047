# One image for every CIM service and for the `cim migrate` step.
#   docker build -t cim-platform .
#   docker run --rm cim-platform                    # prints usage
# docker-compose.yml shows how each container is started (command + environment).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: install the project and its pinned dependencies into a virtualenv ------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/cim
WORKDIR /src
# Every dependency ships a wheel (pg8000 is pure Python), so no compiler is needed.
COPY pyproject.toml ./
COPY shared ./shared
COPY services ./services
COPY cim ./cim
RUN /opt/cim/bin/pip install .

# --- runtime: the virtualenv, WeasyPrint's system libraries, a non-root user -------------------
FROM ${PYTHON_IMAGE} AS runtime
# WeasyPrint loads Pango/HarfBuzz (via fontconfig) at import time; DejaVu is the fallback font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 cim \
    && useradd --system --uid 10001 --gid cim --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin cim \
    && mkdir -p /app /var/lib/cim \
    && chown cim:cim /var/lib/cim

COPY --from=build /opt/cim /opt/cim
WORKDIR /app
COPY config.yaml /app/config.yaml

ENV PATH=/opt/cim/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CIM_DATA_DIR=/var/lib/cim

USER cim:cim

# Ports used by the services (gateway 8000 ... notifications 8006); each sets WEB_SERVER_ADDRESS.
EXPOSE 8000 8001 8002 8003 8004 8005 8006 8007

CMD ["sh", "-c", "echo 'CIM platform image. Run one of:'; echo '  cim migrate                                              (databases, migrations, broker queues; run first)'; echo '  nameko run services.<name>.service --config config.yaml (name: gateway registration activities approvals ceremony certificates notifications campus)'; echo 'Environment: AMQP_URI DATABASE_URL WEB_SERVER_ADDRESS CIM_ENV CIM_PUBLIC_BASE_URL SMTP_HOST SMTP_PORT CIM_MAIL_FROM CIM_DATA_DIR'"]
