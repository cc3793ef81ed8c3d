package dev.portalgateway.portallink;

import java.net.URI;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import dev.portalgateway.caller.AuditLog;
import dev.portalgateway.caller.Caller;
import dev.portalgateway.caller.CallerAuthentication;
import dev.portalgateway.ratelimit.Operation;
import dev.portalgateway.ratelimit.UpstreamQuotas;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.GatewayProblem.FieldError;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.system.RequestIds;
import dev.portalgateway.workos.GenerateLinkCommand;
import dev.portalgateway.workos.GeneratedLink;
import dev.portalgateway.workos.WorkOsClient;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Handles {@code POST /v1/portal-links}: content type, size, validation, the caller's
 * policy, then one call to WorkOS.
 */
@Component
class PortalLinkHandler {

	/** Bodies are a few hundred bytes; anything past this is a mistake or an attack. */
	static final int MAX_BODY_BYTES = 16 * 1024;

	private final PortalLinkRequestParser parser = new PortalLinkRequestParser();

	private final WorkOsClient workOs;

	private final UpstreamQuotas quotas;

	PortalLinkHandler(WorkOsClient workOs, UpstreamQuotas quotas) {
		this.workOs = workOs;
		this.quotas = quotas;
	}

	Mono<ServerResponse> create(ServerRequest request) {
		return Mono.defer(() -> {
			Caller caller = CallerAuthentication.callerOf(request);
			return checkHeaders(request).then(readBody(request))
				.map(this.parser::parse)
				.map((command) -> authorize(caller, command, request))
				.flatMap((command) -> this.workOs.generateLink(command, RequestIds.of(request))
					.flatMap((link) -> created(request, command, link)));
		});
	}

	private static Mono<Void> checkHeaders(ServerRequest request) {
		MediaType contentType = request.headers().contentType().orElse(null);
		if (contentType == null || !MediaType.APPLICATION_JSON.equalsTypeAndSubtype(contentType)) {
			return Mono.error(new GatewayProblem(ProblemCode.UNSUPPORTED_MEDIA_TYPE,
					"Send the body as 'Content-Type: application/json'."));
		}
		if (request.headers().contentLength().orElse(0) > MAX_BODY_BYTES) {
			return Mono.error(tooLarge());
		}
		return Mono.empty();
	}

	private static Mono<byte[]> readBody(ServerRequest request) {
		// The limit also holds for chunked bodies that announce no length.
		return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), MAX_BODY_BYTES)
			.onErrorMap(DataBufferLimitException.class, (ex) -> tooLarge())
			.map((buffer) -> {
				byte[] bytes = new byte[buffer.readableByteCount()];
				buffer.read(bytes);
				DataBufferUtils.release(buffer);
				return bytes;
			})
			.defaultIfEmpty(new byte[0]);
	}

	private static GatewayProblem tooLarge() {
		return new GatewayProblem(ProblemCode.PAYLOAD_TOO_LARGE,
				"The body must be at most " + MAX_BODY_BYTES + " bytes.");
	}

	private static GenerateLinkCommand authorize(Caller caller, GenerateLinkCommand command, ServerRequest request) {
		AuditLog.subject(request, command.organization(), command.intent());
		if (!caller.mayUse(command.intent())) {
			throw new GatewayProblem(ProblemCode.INTENT_NOT_ALLOWED,
					"This caller may not request the '" + command.intent().value() + "' intent.")
				.withErrors(List.of(new FieldError("intent", "is not allowed for this caller")));
		}
		List<FieldError> hosts = new ArrayList<>();
		checkHost(caller, "return_url", command.returnUrl(), hosts);
		checkHost(caller, "success_url", command.successUrl(), hosts);
		if (!hosts.isEmpty()) {
			throw new GatewayProblem(ProblemCode.RETURN_URL_NOT_ALLOWED,
					"The URL's host is not among this caller's allowed return URL hosts.")
				.withErrors(hosts);
		}
		return command;
	}

	private static void checkHost(Caller caller, String field, @Nullable URI url, List<FieldError> errors) {
		if (url != null && !caller.mayRedirectTo(url.getHost())) {
			errors.add(new FieldError(field, "host is not allowed for this caller"));
		}
	}

	private Mono<ServerResponse> created(ServerRequest request, GenerateLinkCommand command, GeneratedLink link) {
		AuditLog.upstream(request, link.upstreamRequestId());
		PortalLinkResponse body = new PortalLinkResponse(link.link(),
				link.expiresAt().truncatedTo(ChronoUnit.SECONDS).toString(), command.organization(),
				command.intent().value());
		return ServerResponse.status(HttpStatus.CREATED)
			.cacheControl(CacheControl.noStore())
			.headers(this.quotas.snapshot(Operation.PORTAL_LINKS)::addTo)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body);
	}

}
