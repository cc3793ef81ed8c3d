# syntax=docker/dockerfile:1
# portal-gateway image: built with the Maven wrapper on a JDK, run on a JRE as a non-root user
# from Spring Boot's extracted layers (dependencies first, so code changes rebuild one layer),
# with an ahead-of-time (AOT) cache trained at build time for a faster start (JEP 483/514/515).
# The code is compiled for Java 17 (pom.xml); the image runs on Java 25, the current LTS, whose
# AOT cache holds classes loaded and linked, and method profiles, where 17's CDS held classes only.
ARG JAVA_VERSION=25
# The base images, by tag; pin them by digest for reproducible, reviewable builds, e.g.
#   --build-arg RUNTIME_IMAGE=eclipse-temurin:25-jre-noble@sha256:<digest>
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
# JVM's own class loader reads, so the AOT cache can hold the application's classes too.
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
# JVM sizing, replaceable as a whole (the Helm chart sets its own, jvm.options), measured in
# bench/RESULTS.md: Serial GC has the fewest threads and the least native memory on the one or
# two cores a gateway pod gets; the heap may grow to half the container's memory limit (the rest
# is metaspace, code cache, threads and Netty's buffers), but the young generation is held at
# 24 MiB, so that a high allocation rate (links) does not grow the heap to its maximum while a
# few tens of MiB are live; the JVM hands freed native memory back every 5 s (malloc_trim), and
# glibc keeps two malloc arenas instead of one per thread (C2's and Netty's freed memory stayed
# in them). Together: RSS after load 360 -> 192-199 MiB, throughput within the runs' spread.
ENV JAVA_TOOL_OPTIONS="-XX:+UseSerialGC -XX:MaxRAMPercentage=50 -Xmn24m -XX:TrimNativeHeapInterval=5000 -XX:+ExitOnOutOfMemoryError"
ENV MALLOC_ARENA_MAX="2"
# Training run (src/main/docker/aot-training.sh, mounted for this step only): starts the gateway
# with these flags (JAVA_TOOL_OPTIONS above, the entry point's below: a cache must be made with
# the options it is used with), waits until it is ready, sends it a few requests of each kind and
# stops it as Kubernetes would; the JVM writes what it loaded, linked and profiled to app.aot.
# No network and no key: WorkOS is an address nothing listens on.
RUN --mount=type=bind,source=src/main/docker/aot-training.sh,target=/tmp/aot-training.sh bash /tmp/aot-training.sh \
    java -XX:AOTCacheOutput=app.aot --enable-native-access=ALL-UNNAMED -Djdk.reflect.useNativeAccessorOnly=true \
    -Dspring.aot.enabled=true -jar portal-gateway.jar
# The cache must be usable as the image starts: -XX:AOTMode=on refuses to start otherwise,
# where the entry point would fall back to starting without it, with a warning. The key is a
# placeholder that only passes the format check (the run calls nothing), in this RUN's
# environment only.
RUN WORKOS_API_KEY=sk_test_aottraining0000 java -XX:AOTMode=on -XX:AOTCache=app.aot --enable-native-access=ALL-UNNAMED \
    -Djdk.reflect.useNativeAccessorOnly=true -Dspring.aot.enabled=true -Dspring.context.exit=onRefresh -jar portal-gateway.jar --server.port=0 --management.server.port=0
USER 10001:10001
# 8080: callers (/v1). 8081: actuator (health probes, Prometheus).
EXPOSE 8080 8081
# No key or token is baked in (WORKOS_API_KEY comes from the environment at run time). If the
# cache does not match the JVM options (JAVA_TOOL_OPTIONS replaced with another GC's, say), the
# JVM warns and starts without it. Netty loads its epoll library through System.loadLibrary:
# allowed on purpose, so Java 25 does not warn about it on every start. Reflection calls through
# the JVM's native accessors instead of generating method handle classes for each constructor and
# method it is first used on (JEP 416's jdk.reflect.useNativeAccessorOnly): 218 of them at start,
# the largest share binding the configuration records, 93 with it; ready 53-65 ms sooner, throughput
# unchanged (the request paths hardly reflect; bench/RESULTS.md). The context is the one Spring
# AOT generated at build time (spring.aot.enabled), not scanned and evaluated anew.
ENTRYPOINT ["java", "-XX:AOTCache=app.aot", "--enable-native-access=ALL-UNNAMED", "-Djdk.reflect.useNativeAccessorOnly=true", "-Dspring.aot.enabled=true", "-jar", "portal-gateway.jar"]
