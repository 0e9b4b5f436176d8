# Production image for the API and the workers (see docker-compose.yml).
# Stage 1: Python, the package and the toolchains the workers use to build and measure libraries.
FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 TF_CPP_MIN_LOG_LEVEL=2
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make gcc-arm-none-eabi libnewlib-arm-none-eabi \
      libstdc++-arm-none-eabi-newlib emscripten \
      qemu-system-arm libsndfile1 bubblewrap \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY backend backend
COPY worker worker
COPY dsp_blocks dsp_blocks
COPY deploy_targets deploy_targets
COPY migrations migrations
COPY scripts scripts
# Editable, so that alembic.ini and migrations/ are found beside the code.
RUN pip install -e '.[dev]' && python scripts/dump_openapi.py > /tmp/openapi.json

# Stage 2: the browser app, built against the API document of stage 1.
FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend ./
COPY --from=app /tmp/openapi.json ./openapi.json
RUN npx openapi-ts && npx tsc --noEmit && npx vite build

# Final image: stage 1 plus the built app.
FROM app
COPY --from=frontend /frontend/dist /app/frontend/dist
RUN useradd --create-home --uid 1000 mcuforge && mkdir -p /var/lib/mcuforge \
 && chown mcuforge /var/lib/mcuforge
USER mcuforge
ENV MCUFORGE_DATA_DIR=/var/lib/mcuforge MCUFORGE_HOST=0.0.0.0
EXPOSE 8000
CMD ["mcuforge", "serve", "--host", "0.0.0.0", "--port", "8000"]
