# syntax=docker/dockerfile:1
# portal-gateway image: built with the Maven wrapper on a JDK, run on a JRE as a non-root user
# from Spring Boot's extracted layers (dependencies first, so code changes rebuild one layer),
# with a class-data-sharing (CDS) archive trained at build time for a faster start.
ARG JAVA_VERSION=17

FROM eclipse-temurin:${JAVA_VERSION}-jdk-noble AS build
WORKDIR /workspace
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q dependency:go-offline
COPY src/ src/
# Extracted without the launcher: a plain jar plus lib/ on its manifest class path, which the
# JVM's own class loader reads, so CDS can archive the application's classes too.
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -DskipTests package \
    && java -Djarmode=tools -jar target/portal-gateway.jar extract --layers --destination target/extracted

FROM eclipse-temurin:${JAVA_VERSION}-jre-noble
LABEL org.opencontainers.image.title="portal-gateway" \
      org.opencontainers.image.description="Internal gateway in front of the WorkOS Admin Portal API"
WORKDIR /app
# One layer per Spring Boot layer, least often changed first. Files stay root-owned: the app
# user can read them but not change them.
COPY --from=build /workspace/target/extracted/dependencies/ ./
COPY --from=build /workspace/target/extracted/spring-boot-loader/ ./
COPY --from=build /workspace/target/extracted/snapshot-dependencies/ ./
COPY --from=build /workspace/target/extracted/application/ ./
# Training run: starts the context and exits once it is refreshed, writing the classes it
# loaded to app.jsa. The key is a placeholder that only passes the format check (the run
# calls nothing); it lives in this RUN's environment only, not in the image.
RUN WORKOS_API_KEY=sk_test_cdstraining0000 java -XX:ArchiveClassesAtExit=app.jsa -Dspring.context.exit=onRefresh \
    -jar portal-gateway.jar --server.port=0 --management.server.port=0
USER 10001:10001
# 8080: callers (/v1). 8081: actuator (health probes, Prometheus).
EXPOSE 8080 8081
# JVM sizing, replaceable as a whole (the Helm chart sets its own, jvm.options): the heap is
# half the container's memory limit, the rest is metaspace, code cache, thread stacks and
# Netty's direct buffers (about 110 MiB measured, bench/RESULTS.md); Serial GC has the fewest
# threads and the least native memory on the one or two cores a gateway pod gets.
ENV JAVA_TOOL_OPTIONS="-XX:+UseSerialGC -XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
# No key or token is baked in (WORKOS_API_KEY comes from the environment at run time). If the
# archive does not match the JVM, the JVM starts without it (-Xshare:auto).
ENTRYPOINT ["java", "-XX:SharedArchiveFile=app.jsa", "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-jar", "portal-gateway.jar"]
