# Officina in a container: the `officina` binary built in a Rust image, run on a slim Debian
# image as an unprivileged user. Every setting is an OFFICINA_* environment variable (README,
# "Configuration"); a test checks that the ones named here exist and that the port matches.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin officina && strip target/release/officina

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home /var/lib/officina --create-home officina
COPY --from=build /src/target/release/officina /usr/local/bin/officina
USER officina
WORKDIR /var/lib/officina
ENV OFFICINA_LISTEN=0.0.0.0:8080 \
    OFFICINA_LOG_FORMAT=json
EXPOSE 8080
# Ready means: the database answers, migrations are applied, the notification listener listens.
HEALTHCHECK --interval=5s --timeout=4s --start-period=30s --retries=3 CMD ["officina", "probe"]
ENTRYPOINT ["officina"]
CMD ["serve"]
