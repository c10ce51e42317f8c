# syntax=docker/dockerfile:1
#
# ftpbot's image: a static binary on distroless, run as a non-root user, listening on
# 0.0.0.0:8080. Build it with the version stamped in:
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) \
#                --build-arg REVISION=$(git rev-parse HEAD) \
#                --build-arg REVISION_TIME=$(git log -1 --format=%cI) -t ftpbot .
#   docker run --rm -p 8080:8080 -e SLACK_SIGNING_SECRET=… ftpbot
#
# cmd/ftpbot/image_test.go builds the binary with the `go build` line below (read from this file)
# and runs it as user 65532 in a read-only directory: change the line there and the test follows.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Dependencies first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH
ARG VERSION=devel
ARG REVISION=
ARG REVISION_TIME=
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -buildvcs=false -ldflags="-s -w -X main.version=${VERSION} -X main.revision=${REVISION} -X main.revisionTime=${REVISION_TIME}" -o /out/ftpbot ./cmd/ftpbot

# distroless/static: CA certificates (for Slack, Discord and FTPS checks), tzdata, /etc/passwd
# with the nonroot user, and nothing else: no shell, no package manager, no curl.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ftpbot /usr/local/bin/ftpbot
# Numeric, so Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
USER 65532:65532
WORKDIR /home/nonroot
# serve reads FTPBOT_LISTEN (below --listen, above [server] listen); healthcheck asks the same
# address on loopback.
ENV FTPBOT_LISTEN=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/ftpbot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/ftpbot"]
CMD ["serve"]
