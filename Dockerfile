# syntax=docker/dockerfile:1
# The operator image: `docker build -t redis-operator:0.1.0 .`

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped here; the build step below compiles explicitly.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY constructs constructs
COPY imports imports
RUN npx tsc -p tsconfig.build.json

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/lib lib
COPY bin bin
# The image's unprivileged `node` user (uid 1000); the Deployment runs it with a read-only root.
USER 1000:1000
# V8 and malloc sized for a controller (README, "Memory and scale"), for the default 256 MiB
# memory limit; the Deployment passes the same, its heap limit half its memory limit.
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["node", "--optimize-for-size", "--max-old-space-size=128", "bin/redis-operator.js"]
CMD ["run"]
