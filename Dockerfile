# The node's image: `docker build -t trm-broker .`, or `docker compose --profile demo up` (docker-compose.yml).
# Three stages: the build (every dependency, the node and its console), the production dependencies alone,
# and the runtime, which gets only those two results and runs as the unprivileged `node` user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
# The node (dist/src, dist/scripts, dist/migrations) and the console (dist/console), as in the README.
RUN npm run build

FROM node:20-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json marks the project root (the console is found under it); the payload schemas are read at boot
# into the OpenAPI document.
COPY package.json ./
COPY docs/schemas ./docs/schemas
# Where the compose demo's provisioning writes keys and the directory file: a named volume mounted here takes
# this directory's owner, so the node user can write it.
RUN mkdir /federation && chown node:node /federation
USER node
EXPOSE 3000
# Liveness only (the process answers HTTP): readiness, which needs the database, is the orchestrator's probe
# of /health/ready (docs/operations.md).
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
