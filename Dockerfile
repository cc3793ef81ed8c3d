# syntax=docker/dockerfile:1
# portal-gateway image: built with the Maven wrapper on a JDK, run on a JRE as a non-root user
# from Spring Boot's extracted layers (dependencies first, so code changes rebuild one layer).
ARG JAVA_VERSION=17

FROM eclipse-temurin:${JAVA_VERSION}-jdk-noble AS build
WORKDIR /workspace
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q dependency:go-offline
COPY src/ src/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -DskipTests package \
    && java -Djarmode=tools -jar target/portal-gateway.jar extract --layers --launcher --destination target/extracted

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
USER 10001:10001
# 8080: callers (/v1). 8081: actuator (health probes, Prometheus).
EXPOSE 8080 8081
# The heap follows the container's memory limit; no key or token is baked in (WORKOS_API_KEY
# comes from the environment at run time).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "org.springframework.boot.loader.launch.JarLauncher"]
