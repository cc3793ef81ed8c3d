package dev.portalgateway.portallink;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import dev.portalgateway.caller.AuditLog;
import dev.portalgateway.caller.Caller;
import dev.portalgateway.caller.CallerAuthentication;
import dev.portalgateway.ratelimit.FairShare;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.GatewayProblem.FieldError;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.system.RequestIds;
import dev.portalgateway.system.UnreadBodies;
import dev.portalgateway.workos.GenerateLinkCommand;
import dev.portalgateway.workos.GeneratedLink;
import dev.portalgateway.portal.Intent;
import dev.portalgateway.workos.RetryProperties;
import dev.portalgateway.workos.WorkOsClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * The one path every link request takes, whichever API it came in through: content type,
 * size, parsing, the caller's policy, then one call to WorkOS (through its cool-down,
 * quota and retries). The APIs differ only in how they read the body and write the
 * answer.
 * <p>
 * About 270 lines, on purpose: the whole path of a link request (headers, the bounded
 * body, the policy, the call, the per-caller counts) reads top to bottom in one file.
 */
@Component
public class PortalLinks {

	/** Bodies are a few hundred bytes; anything past this is a mistake or an attack. */
	public static final int MAX_BODY_BYTES = 16 * 1024;

	/** The wire formats a link request can come in. */
	public enum Format {

		/** {@code POST /v1/portal-links}: {@code intent} required. */
		GATEWAY,

		/**
		 * WorkOS's {@code POST /portal/generate_link}: {@code intent} optional, as at
		 * WorkOS.
		 */
		WORKOS

	}

	private final PortalLinkRequestParser gatewayParser = new PortalLinkRequestParser(false);

	private final PortalLinkRequestParser workOsParser = new PortalLinkRequestParser(true);

	private final WorkOsClient workOs;

	private final Duration defaultDeadline;

	private final MeterRegistry meters;

	PortalLinks(WorkOsClient workOs, RetryProperties retry, MeterRegistry meters) {
		this.workOs = workOs;
		this.defaultDeadline = retry.deadline();
		this.meters = meters;
	}

	/**
	 * Issues a link with the gateway's own idempotency key and retry deadline
	 * ({@code gateway.retry.deadline}).
	 */
	public Mono<Issued> issue(ServerRequest request, Format format) {
		return issue(request, format, null, this.defaultDeadline);
	}

	/** The caller's claim on the link budget: its name, weight and cap. */
	private static FairShare.Claimant claimant(Caller caller) {
		return new FairShare.Claimant(caller.name(), caller.weight(), caller.maxLinks());
	}

	/**
	 * Issues a link with the caller's idempotency key (if any) and a retry deadline of
	 * its own.
	 */
	public Mono<Issued> issue(ServerRequest request, Format format, @Nullable String idempotencyKey,
			Duration deadline) {
		return issue(request, format, (command) -> this.workOs.generateLink(command, RequestIds.of(request),
				claimant(CallerAuthentication.callerOf(request)), idempotencyKey, deadline));
	}

	private Mono<Issued> issue(ServerRequest request, Format format,
			Function<GenerateLinkCommand, Mono<GeneratedLink>> call) {
		return Mono.defer(() -> {
			Caller caller = CallerAuthentication.callerOf(request);
			PortalLinkRequestParser parser = (format == Format.WORKOS) ? this.workOsParser : this.gatewayParser;
			return checkHeaders(request).then(readBody(request))
				.map(parser::parse)
				.map((command) -> authorize(caller, command, request))
				.flatMap((command) -> call.apply(command).map((link) -> {
					AuditLog.upstream(request, link.upstreamRequestId());
					return new Issued(command, link);
				}))
				.doOnSuccess((issued) -> count(caller, "created"))
				.doOnError((failure) -> count(caller,
						(failure instanceof GatewayProblem problem) ? problem.code().code() : "internal_error"))
				.doOnCancel(() -> count(caller, "cancelled"));
		});
	}

	/**
	 * {@code gateway.caller.links{caller, outcome}}: caller names come from configuration
	 * and outcomes are problem codes, so both tags are bounded.
	 */
	private void count(Caller caller, String outcome) {
		Counter.builder("gateway.caller.links")
			.description("Link requests by caller and outcome (created, or the problem code)")
			.tag("caller", caller.name())
			.tag("outcome", outcome)
			.register(this.meters)
			.increment();
	}

	private static Mono<Void> checkHeaders(ServerRequest request) {
		MediaType contentType = request.headers().contentType().orElse(null);
		if (contentType == null || !MediaType.APPLICATION_JSON.equalsTypeAndSubtype(contentType)) {
			return Mono.error(new GatewayProblem(ProblemCode.UNSUPPORTED_MEDIA_TYPE,
					"Send the body as 'Content-Type: application/json'."));
		}
		// A body announced over the limit is still read (and dropped) when it is not
		// huge: see readBody.
		if (request.headers().contentLength().orElse(0) > UnreadBodies.MAX_DRAINED_BYTES) {
			return Mono.error(tooLarge());
		}
		return Mono.empty();
	}

	private static Mono<byte[]> readBody(ServerRequest request) {
		// The limit also holds for chunked bodies that announce no length. Past it, the
		// rest is read and dropped (up to UnreadBodies.MAX_DRAINED_BYTES) before the 413:
		// answering while the caller is still sending makes the connection close under
		// it, and the caller sees a broken connection instead of the 413.
		return request.body(BodyExtractors.toDataBuffers())
			.reduceWith(Body::new, Body::add)
			.flatMap((body) -> body.overLimit() ? Mono.error(tooLarge()) : Mono.just(body.bytes()));
	}

	/**
	 * A request body read up to {@link #MAX_BODY_BYTES}, and how much was sent in all.
	 * Buffers are copied and released as they come.
	 */
	private static final class Body {

		private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

		private long total;

		Body add(DataBuffer buffer) {
			try {
				int size = buffer.readableByteCount();
				this.total += size;
				if (this.total > UnreadBodies.MAX_DRAINED_BYTES) {
					// Not worth reading on: answer now, the connection will close.
					throw PortalLinks.tooLarge();
				}
				if (this.total <= MAX_BODY_BYTES) {
					byte[] bytes = new byte[size];
					buffer.read(bytes);
					this.kept.writeBytes(bytes);
				}
				return this;
			}
			finally {
				DataBufferUtils.release(buffer);
			}
		}

		boolean overLimit() {
			return this.total > MAX_BODY_BYTES;
		}

		byte[] bytes() {
			return this.kept.toByteArray();
		}

	}

	private static GatewayProblem tooLarge() {
		return new GatewayProblem(ProblemCode.PAYLOAD_TOO_LARGE,
				"The body must be at most " + MAX_BODY_BYTES + " bytes.");
	}

	private static GenerateLinkCommand authorize(Caller caller, GenerateLinkCommand command, ServerRequest request) {
		Intent intent = command.intent();
		AuditLog.linkFor(request, command.organization(), intent);
		if (!caller.mayAccess(command.organization())) {
			throw new GatewayProblem(ProblemCode.ORGANIZATION_NOT_ALLOWED,
					"This caller may not request links for this organization.")
				.withErrors(List.of(new FieldError("organization", "is not allowed for this caller")));
		}
		if (intent == null && !caller.mayUseEveryIntent()) {
			// WorkOS would open a portal with every section: only for callers allowed
			// all.
			throw new GatewayProblem(ProblemCode.INTENT_NOT_ALLOWED,
					"This caller must name an intent: it is not allowed every intent.")
				.withErrors(List.of(new FieldError("intent", "is required for this caller")));
		}
		if (intent != null && !caller.mayUse(intent)) {
			throw new GatewayProblem(ProblemCode.INTENT_NOT_ALLOWED,
					"This caller may not request the '" + intent.value() + "' intent.")
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
		checkContacts(caller, command.itContactEmails());
		return command;
	}

	/**
	 * IT contacts get lasting access to the organization's Admin Portal from WorkOS, so
	 * each address must be from a domain the caller's policy allows.
	 */
	private static void checkContacts(Caller caller, @Nullable List<String> emails) {
		if (emails == null) {
			return;
		}
		List<FieldError> errors = new ArrayList<>();
		for (int i = 0; i < emails.size(); i++) {
			if (!caller.mayNameContact(emails.get(i))) {
				errors.add(new FieldError("it_contact_emails[" + i + "]", "is not allowed for this caller"));
			}
		}
		if (!errors.isEmpty()) {
			throw new GatewayProblem(ProblemCode.IT_CONTACT_EMAIL_NOT_ALLOWED,
					"This caller may not name these IT contact e-mail addresses.")
				.withErrors(errors);
		}
	}

	private static void checkHost(Caller caller, String field, @Nullable URI url, List<FieldError> errors) {
		if (url != null && !caller.mayRedirectTo(url.getHost())) {
			errors.add(new FieldError(field, "host is not allowed for this caller"));
		}
	}

	/**
	 * A link WorkOS issued, with the request it answers.
	 *
	 * @param command the validated, authorized request
	 * @param link the link and when it expires
	 */
	public record Issued(GenerateLinkCommand command, GeneratedLink link) {
	}

}
