# syntax=docker/dockerfile:1
# portal-gateway image: built with the Maven wrapper on a JDK, run on a JRE as a non-root user
# from Spring Boot's extracted layers (dependencies first, so code changes rebuild one layer),
# with a class-data-sharing (CDS) archive trained at build time for a faster start.
ARG JAVA_VERSION=17
# The base images, by tag; pin them by digest for reproducible, reviewable builds, e.g.
#   --build-arg RUNTIME_IMAGE=eclipse-temurin:17-jre-noble@sha256:<digest>
ARG BUILD_IMAGE=eclipse-temurin:${JAVA_VERSION}-jdk-noble
ARG RUNTIME_IMAGE=eclipse-temurin:${JAVA_VERSION}-jre-noble

# The jar is the same on every platform: build it once, natively, for a multi-arch image
# (docker buildx build --platform linux/amd64,linux/arm64).
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
WORKDIR /workspace
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q dependency:go-offline
COPY src/ src/
# Extracted without the launcher: a plain jar plus lib/ on its manifest class path, which the
# JVM's own class loader reads, so CDS can archive the application's classes too.
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -DskipTests package \
    && java -Djarmode=tools -jar target/portal-gateway.jar extract --layers --destination target/extracted

FROM ${RUNTIME_IMAGE}
# Set by the build: docker build --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD)
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://github.com/portal-gateway/portal-gateway
LABEL org.opencontainers.image.title="portal-gateway" \
      org.opencontainers.image.description="Internal gateway in front of the WorkOS Admin Portal API" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
WORKDIR /app
# One layer per Spring Boot layer, least often changed first. Files stay root-owned: the app
# user can read them but not change them.
COPY --from=build /workspace/target/extracted/dependencies/ ./
COPY --from=build /workspace/target/extracted/spring-boot-loader/ ./
COPY --from=build /workspace/target/extracted/snapshot-dependencies/ ./
COPY --from=build /workspace/target/extracted/application/ ./
# JVM sizing, replaceable as a whole (the Helm chart sets its own, jvm.options): the heap is
# half the container's memory limit, the rest is metaspace, code cache, thread stacks and
# Netty's direct buffers (about 110 MiB measured, bench/RESULTS.md); Serial GC has the fewest
# threads and the least native memory on the one or two cores a gateway pod gets.
ENV JAVA_TOOL_OPTIONS="-XX:+UseSerialGC -XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
# Training run: starts the context and exits once it is refreshed, writing the classes it
# loaded to app.jsa, with the runtime's own flags (JAVA_TOOL_OPTIONS above): an archive made
# under other GC flags may not be usable. The key is a placeholder that only passes the
# format check (the run calls nothing); it lives in this RUN's environment only.
RUN WORKOS_API_KEY=sk_test_cdstraining0000 java -XX:ArchiveClassesAtExit=app.jsa -Dspring.context.exit=onRefresh \
    -jar portal-gateway.jar --server.port=0 --management.server.port=0
# The archive must be usable as the image starts: -Xshare:on refuses to start otherwise
# (the entry point's -Xlog:cds=off would hide a silent fallback).
RUN WORKOS_API_KEY=sk_test_cdstraining0000 java -Xshare:on -XX:SharedArchiveFile=app.jsa \
    -Dspring.context.exit=onRefresh -jar portal-gateway.jar --server.port=0 --management.server.port=0
USER 10001:10001
# 8080: callers (/v1). 8081: actuator (health probes, Prometheus).
EXPOSE 8080 8081
# No key or token is baked in (WORKOS_API_KEY comes from the environment at run time). If the
# archive does not match the JVM, the JVM starts without it (-Xshare:auto).
ENTRYPOINT ["java", "-XX:SharedArchiveFile=app.jsa", "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-jar", "portal-gateway.jar"]
