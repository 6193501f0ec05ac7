# syntax=docker/dockerfile:1

# ---- build ------------------------------------------------------------------
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /build

# Dependencies first, in a layer of their own: it is rebuilt only when a
# manifest or the lock file changes, not on every source edit.
COPY Cargo.toml Cargo.lock ./
# SQLite's build flags (see .cargo/config.toml).
COPY .cargo .cargo
COPY taskcore/Cargo.toml taskcore/
COPY taskd/Cargo.toml taskd/
COPY taskctl/Cargo.toml taskctl/
COPY tests/Cargo.toml tests/
RUN mkdir -p taskcore/src taskcore/migrations/sqlite taskd/src taskctl/src tests/src tests/e2e \
    && touch taskcore/src/lib.rs taskctl/src/lib.rs tests/src/lib.rs \
    && echo 'fn main() {}' > taskd/src/main.rs \
    && echo 'fn main() {}' > taskctl/src/main.rs \
    && echo 'fn main() {}' > tests/e2e/main.rs \
    && cargo build --release --locked -p taskd \
    && rm -rf taskcore/src taskd/src

# Then the sources (and the README, which taskd serves at /README.md).
COPY README.md ./
COPY taskcore taskcore
COPY taskd taskd
RUN touch taskcore/src/lib.rs taskd/src/main.rs \
    && cargo build --release --locked -p taskd

# ---- run --------------------------------------------------------------------
FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 taskd \
    && useradd --system --uid 10001 --gid taskd --no-create-home --shell /usr/sbin/nologin taskd \
    && mkdir /data \
    && chown taskd:taskd /data
COPY --from=builder /build/target/release/taskd /usr/local/bin/taskd

ENV HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:////data/tasks.db \
    ENVIRONMENT=production \
    LOG_FORMAT=json
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# taskd checks itself: the image needs no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["taskd", "healthcheck"]
ENTRYPOINT ["taskd"]
CMD ["serve"]
