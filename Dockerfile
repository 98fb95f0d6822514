# syntax=docker/dockerfile:1
#
# GearShare's image: the release build (server and split wasm) on Rust 1.95 / Debian bookworm,
# served by a non-root user from debian:bookworm-slim. docs/deployment.md shows how to run it
# (compose.yaml: PostgreSQL, two instances, Caddy).
#
#   docker build -t gearshare .
#   docker build --build-arg BIN_FEATURES=s3 -t gearshare .    # with the S3 photo store
#   docker run -p 3000:3000 gearshare                           # alone, on SQLite in /data/db
#
# What the image holds: /app/gearshare, /app/hash.txt (the content hashes of the /pkg files,
# which the binary reads from beside itself) and /app/site (LEPTOS_SITE_ROOT: /pkg and the
# files of public/). Nothing else is read at run time: the migrations (sqlx::migrate!) and
# the gazetteer (include_bytes!) are compiled into the binary.

ARG RUST_VERSION=1.95
ARG NODE_MAJOR=20

# The wasm-bindgen version from Cargo.lock, alone: the tools below are built again only when
# that pin moves, not with every dependency update. scripts/setup.sh reads it from these
# two lines just as it reads the whole Cargo.lock.
FROM debian:bookworm-slim AS pins
COPY Cargo.lock /Cargo.lock
RUN awk '/^name = "wasm-bindgen"$/ { print; getline; print; exit }' /Cargo.lock > /pins.lock \
 && grep -q '^version = ' /pins.lock

FROM node:${NODE_MAJOR}-bookworm-slim AS node

# The build tools, exactly as scripts/setup.sh installs them on our machines: the wasm32
# target, cargo-leptos and the wasm-bindgen CLI at their pinned versions (built from
# crates.io with the pins docs/toolchain.md explains), and Tailwind CSS and binaryen's
# wasm-opt from npm (package-lock.json). Node comes from the official image, the major our
# machines run: Debian bookworm's is 18, and Tailwind 4's @tailwindcss/oxide wants >= 20.
FROM rust:${RUST_VERSION}-bookworm AS tools
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
WORKDIR /src
COPY scripts/setup.sh scripts/lib.sh scripts/
COPY package.json package-lock.json ./
COPY --from=pins /pins.lock Cargo.lock
RUN scripts/setup.sh \
 && cargo leptos --version && wasm-bindgen --version

# The release build, as scripts/run.sh makes it (scripts/lib.sh `release_build`, which runs
# the browser and server halves side by side; one command here). BIN_FEATURES=s3 adds the
# S3 photo store (README, MEDIA_STORE).
FROM tools AS build
ARG BIN_FEATURES=""
ENV CARGO_INCREMENTAL=0
# node_modules/ stays from the tools stage: .dockerignore keeps the checkout's out.
COPY . .
RUN --mount=type=cache,id=gearshare-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=gearshare-target,target=/src/target \
    rm -rf target/site \
 && cargo leptos build --release --split ${BIN_FEATURES:+--bin-features "$BIN_FEATURES"} \
 && bash -c 'source scripts/lib.sh && copy_api_viewer' \
 && mkdir -p /out \
 && cp target/release/gearshare target/release/hash.txt /out/ \
 && cp -r target/site /out/site

FROM debian:bookworm-slim AS runtime
# ca-certificates: SMTP over TLS and S3; curl: the health check. (Unpinned, as above.)
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
# One unprivileged user owns the data. Named volumes mounted on these folders start with
# their owner and modes, so the instances can write them.
RUN groupadd --system --gid 10001 gearshare \
 && useradd --system --uid 10001 --gid gearshare --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin gearshare \
 && mkdir -p /data/db /data/media /data/evidence /data/keys /data/outbox \
 && chown -R gearshare:gearshare /data \
 && chmod 0700 /data/evidence /data/keys
COPY --from=build /out/gearshare /out/hash.txt /app/
COPY --from=build /out/site /app/site

# Every setting is an environment variable (README, "Configuration"); these put the data
# under /data. With several instances (compose.yaml): DATABASE_URL=postgres://…, and
# /data/media, /data/evidence and /data/keys shared by all of them. (SECRET_KEY_FILE is
# where the key file lives, not a secret.)
# hadolint ignore=DL3064
ENV GEARSHARE_ADDR=0.0.0.0:3000 \
    LEPTOS_SITE_ROOT=/app/site \
    LOG_FORMAT=json \
    DATABASE_URL=sqlite:///data/db/gearshare.db \
    MEDIA_DIR=/data/media \
    EVIDENCE_DIR=/data/evidence \
    SECRET_KEY_FILE=/data/keys/secret-keys \
    MAIL_OUTBOX=/data/outbox
# db: SQLite's file (unused with PostgreSQL); media: listing photos, served under /media/;
# evidence: bookings' handover and claim photos (never served as files); keys: the key file
# sealing two-factor secrets (back it up); outbox: emails as .eml files when SMTP_URL is unset.
VOLUME ["/data/db", "/data/media", "/data/evidence", "/data/keys", "/data/outbox"]

# By number, so runtimes that insist on a non-root user can check it (10001 = gearshare).
USER 10001:10001
WORKDIR /app
EXPOSE 3000
# /healthz answers 200 while the process serves (/readyz also asks the database); the port
# is GEARSHARE_ADDR's.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["sh", "-c", "curl -fsS --max-time 2 -o /dev/null \"http://127.0.0.1:${GEARSHARE_ADDR##*:}/healthz\" || exit 1"]
# SIGTERM (docker stop) stops accepting and finishes the requests under way.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/gearshare"]
CMD ["serve"]
