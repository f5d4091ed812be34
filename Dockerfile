# syntax=docker/dockerfile:1
# rolecall image: build on Debian with the full toolchain, run on distroless Node 24 as nonroot.
# The runtime stage has no shell, no package manager and no npm: only node, dist/ and the
# production node_modules. Nothing is written at run time (readonlyRootFilesystem: true works).

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --workspaces=false
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund --workspaces=false

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
# Owned by root and read-only for uid 65532: the process cannot modify its own code.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
USER 65532:65532
EXPOSE 9477
STOPSIGNAL SIGTERM
# ECS ignores this and uses the task definition's healthCheck (same command); docker run uses it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["/nodejs/bin/node", "/app/dist/bin.js", "healthcheck"]
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/bin.js"]
CMD ["serve"]

# Standalone `rolecall check` for app images without Node: one executable at /rolecall, built
# from an esbuild bundle injected into this stage's own Node 24 (docs/check.md). Use it with
#   COPY --from=<this image> /rolecall /usr/local/bin/rolecall
# This stage comes last, so build the sidecar image with an explicit --target.
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
