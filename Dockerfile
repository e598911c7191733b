# Builds the `officina` binary and runs it on a slim image.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin officina

FROM debian:bookworm-slim
RUN useradd --system --home /var/lib/officina --create-home officina
COPY --from=build /src/target/release/officina /usr/local/bin/officina
USER officina
WORKDIR /var/lib/officina
EXPOSE 8080
ENV OFFICINA_LISTEN=0.0.0.0:8080
ENTRYPOINT ["officina"]
CMD ["serve"]
