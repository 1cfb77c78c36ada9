# syntax=docker/dockerfile:1
# A Tributary stream job image. EXAMPLE picks the program: dist/examples/<EXAMPLE>/program.js.
#
#   docker build -t tributary-quickstart .
#   docker build --build-arg EXAMPLE=sqlserver-cdc-to-servicebus -t registry.example.com/tributary/sqlserver-cdc-to-servicebus:0.1.0 .
#
# The program is PID 1 and handles SIGTERM itself (drain, then exit 0, or 2 to be restarted); run it locally
# with `docker run --init` if you want an init process to reap zombies too.

ARG NODE_IMAGE=node:22-slim

# ---- build: every dependency, compile TypeScript ---------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Same fallback as .ci/run: npm ci refuses a lockfile that lacks other platforms' optional packages.
RUN npm ci --no-audit --no-fund || (rm -rf node_modules && npm install --no-audit --no-fund)
# The sources (.dockerignore keeps node_modules, dist, tests and local state out).
COPY . .
RUN npm run build
ARG EXAMPLE=quickstart
RUN test -f "dist/examples/${EXAMPLE}/program.js" \
  || (echo "EXAMPLE=${EXAMPLE}: no examples/${EXAMPLE}/program.ts in this repository" >&2 && exit 1)

# ---- deps: production dependencies only ------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund || (rm -rf node_modules && npm install --omit=dev --no-audit --no-fund)

# ---- runtime ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG EXAMPLE=quickstart
ENV NODE_ENV=production \
    TRIBUTARY_EXAMPLE=${EXAMPLE}
WORKDIR /app
# package.json makes `tributary/...` resolve to dist/ (the package's own exports) from /app.
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# A fixed entry point for the chosen example (Node resolves the link, so its relative imports work).
RUN ln -s "examples/${EXAMPLE}" dist/app
# The image's `node` user, by id so Kubernetes can verify runAsNonRoot.
USER 1000:1000
# Exec form: node is PID 1 and receives SIGTERM directly. dd-trace starts before the program loads anything
# it instruments (DD_TRACE_ENABLED=false turns it off).
ENTRYPOINT ["node", "-r", "tributary/hosting/tracing-preload", "dist/app/program.js"]
