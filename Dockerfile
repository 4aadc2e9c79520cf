# syntax=docker/dockerfile:1
#
# The hypha image: one binary, two modes. The default CMD runs the gateway;
# run an agent with `docker run IMAGE --config hypha:agent`, and layer your own
# settings with `--config hypha:gateway --config file:/etc/hypha/override.yaml`.
#
# Build: docker build -t hypha-obs/hypha:dev .   (or: make docker)

# Build stage: the same steps as a developer's `make build` (the pinned ocb
# from the tools module, then `go build` in components/), so the image holds
# exactly the binary CI tests.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# A static binary: the final image has no libc.
ENV CGO_ENABLED=0
COPY . .
RUN --mount=type=cache,target=/root/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    make build && ./bin/hypha --version
# The gateway's dead-letter folder, owned by the user the image runs as (the
# final image has no shell to make it).
RUN mkdir -p /out/var/lib/hypha/dead-letter

# Final stage: distroless static, which holds CA certificates (for TLS to
# Loki, Jaeger or the gateway), no shell and no package manager. The digest
# pins the `nonroot` tag, which moves; refresh both together.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639
COPY --from=build /src/bin/hypha /hypha
COPY --from=build --chown=65532:65532 /out/var/lib/hypha /var/lib/hypha
# 65532 is distroless's `nonroot` user; stated here so that it can be read
# without pulling the base image. Kubernetes' runAsNonRoot needs a numeric id.
USER 65532:65532
# OTLP gRPC, OTLP HTTP, health_check, the collector's own metrics.
EXPOSE 4317 4318 13133 8888
ENTRYPOINT ["/hypha"]
CMD ["--config", "hypha:gateway"]
