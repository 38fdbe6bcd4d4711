# The server image: `docker compose up --build` (see README), or
#   docker build -t hybrid-events . && docker run -e DATABASE_URL=... -e JWT_SECRET=... -p 8080:8080 hybrid-events

FROM rust:1-bookworm AS builder
WORKDIR /build
# Dependencies first, in a layer of their own: it is rebuilt only when Cargo.toml or
# Cargo.lock change, not on every change of the code.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
# The migrations and the participant messages' templates are embedded in the binary at
# compile time.
COPY migrations ./migrations
COPY templates ./templates
COPY src ./src
# The real sources must look newer than the placeholders built above.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && cp target/release/hybrid-events /usr/local/bin/hybrid-events

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 hybrid-events \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin hybrid-events
COPY --from=builder /usr/local/bin/hybrid-events /usr/local/bin/hybrid-events
USER 10001:10001
ENV APP_ENV=production \
    BIND_ADDR=0.0.0.0:8080 \
    LOG_FORMAT=json \
    RUST_LOG=info
EXPOSE 8080
# SIGTERM: stop accepting, finish requests in flight (up to 30 s), close the pool, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["hybrid-events"]
CMD ["serve"]
