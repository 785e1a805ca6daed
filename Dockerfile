# syntax=docker/dockerfile:1
# ferret's container image: the static (musl) ferret binary and git on Alpine.
#
#   docker run --rm -v "$PWD:/repo" ghcr.io/ferret-scanner/ferret:0.1.0 git --range main..HEAD
#
# The binary comes from one of two stages, chosen with --build-arg FERRET_BINARY:
#   source   (the default, for `docker build .`): built here with cargo on Alpine, whose
#            Rust targets musl and links it statically.
#   prebuilt (the release workflow): the release's musl binaries, staged by
#            `scripts/release/dist.py docker-context`, which checks each is static, as
#            linux/amd64/ferret and linux/arm64/ferret in the build context.
# BuildKit builds only the stage that is used.
ARG FERRET_BINARY=source

FROM rust:1-alpine AS source
# libgit2 and mimalloc are C: the build needs a C compiler and musl's headers.
# hadolint ignore=DL3018
RUN apk add --no-cache build-base
WORKDIR /src
COPY . .
RUN cargo build --release --locked \
    && install -D -m 0755 target/release/ferret /out/ferret

FROM scratch AS prebuilt
ARG TARGETOS
ARG TARGETARCH
COPY ${TARGETOS}/${TARGETARCH}/ferret /out/ferret

FROM ${FERRET_BINARY} AS binary

FROM alpine:3.22
# git: ferret reads repositories itself, but `git` in the image lets a job fetch history or
# inspect what ferret reported. Alpine's packages are not pinned to a version: the image
# takes the security fixes of the release it is built from. A mounted repository belongs
# to another user, which git and libgit2 refuse unless it is a safe.directory.
# hadolint ignore=DL3018
RUN apk add --no-cache git ca-certificates \
    && git config --system --add safe.directory '*'
COPY --from=binary --chmod=0755 /out/ferret /usr/local/bin/ferret
WORKDIR /repo
ENTRYPOINT ["/usr/local/bin/ferret"]
CMD ["scan", "."]
