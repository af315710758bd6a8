# Pairpad's service image: the built web client served by uvicorn workers.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml ./
COPY service/ service/
COPY db/ db/
RUN pip install --no-cache-dir .
COPY --from=web /src/web/dist web/dist
ENV PAIRPAD_HOST=0.0.0.0 PAIRPAD_PORT=8000 PAIRPAD_WEB_DIST=/app/web/dist
EXPOSE 8000
CMD ["python", "-m", "service"]
