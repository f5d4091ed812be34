# syntax=docker/dockerfile:1
# rolecall image: build on Debian with the full toolchain, run on distroless Node 24 as nonroot.
# The runtime stage has no shell, no package manager and no npm: only node, dist/, the production
# node_modules and the static health-check client. Nothing is written at run time
# (readonlyRootFilesystem: true works). docs/deploy.md explains each choice and its measurements.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --workspaces=false
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund --workspaces=false

# The health check: a static C client (~0.7 MB, ~1 MiB peak RSS per check) instead of a Node
# process (~60 MiB, ~75 ms CPU per check). Same flags as `npm run build:healthcheck`.
FROM debian:bookworm-slim AS healthcheck
RUN apt-get update \
  && apt-get install -y --no-install-recommends gcc libc6-dev \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY tools/healthcheck/healthcheck.c ./
RUN mkdir -p dist && cc -Os -static -s -o dist/healthcheck healthcheck.c

# Standalone `rolecall check` for app images without Node: one executable at /rolecall, built
# from an esbuild bundle injected into this stage's own Node 24 (docs/check.md). Use it with
#   COPY --from=<this image> /rolecall /usr/local/bin/rolecall
# Built only with --target standalone; the default target is the sidecar's runtime stage (last).
FROM node:24-bookworm-slim AS standalone-build
RUN apt-get update && apt-get install -y --no-install-recommends binutils \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --workspaces=false
COPY tsconfig.json ./
COPY src ./src
COPY scripts/build-standalone.ts ./scripts/
RUN node --import tsx scripts/build-standalone.ts --node "$(command -v node)" \
  && ./dist/standalone/rolecall --version

FROM scratch AS standalone
COPY --from=standalone-build /src/dist/standalone/rolecall /rolecall
ENTRYPOINT ["/rolecall"]
CMD ["check"]

FROM gcr.io/distroless/nodejs24-debian12:nonroot AS runtime
WORKDIR /app
ENV NODE_ENV=production
# Owned by root and read-only for uid 65532: the process cannot modify its own code.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=healthcheck /src/dist/healthcheck ./bin/healthcheck
USER 65532:65532
EXPOSE 9477
STOPSIGNAL SIGTERM
# Liveness only (/livez): a credentials problem never makes the container unhealthy. ECS ignores
# this and runs the task definition's healthCheck (the same command); docker run uses it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/app/bin/healthcheck"]
# V8 flags chosen by measured steady-state RSS (docs/deploy.md, "Node flags"): Liftoff only, so V8
# never tiers undici's WebAssembly HTTP parser up to TurboFan, and a 1 MiB semi-space.
ENTRYPOINT ["/nodejs/bin/node", "--liftoff-only", "--max-semi-space-size=1", "/app/dist/bin.js"]
CMD ["serve"]
