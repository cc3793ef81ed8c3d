package dev.portalgateway.caller;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portalgateway.system.ClientKey;
import dev.portalgateway.system.FirstPerInterval;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.system.Problems;
import dev.portalgateway.system.RequestIds;
import dev.portalgateway.portal.Intent;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Writes one line per link request to the {@code audit} logger, whatever its outcome:
 * caller (and the subject of its JWT, if it sent one), organization, intent, outcome,
 * status, WorkOS request id, latency, request id and, when the caller sent a well-formed
 * W3C {@code traceparent}, its trace id (so the line can be found from the caller's
 * trace). Request id and trace id are also MDC fields of structured logs.
 * <p>
 * Only validated values are written (organization ids and intents after validation,
 * caller names from configuration), so a hostile request cannot forge audit lines. Never
 * the link, its token, or the caller's token.
 * <p>
 * Failed authentications (401, and 429 {@code too_many_auth_failures}) are summarised per
 * client address, so a flood of garbage tokens does not flood the log: the first in
 * {@code gateway.auth.failure-budget.log-interval} is written in full, the rest are
 * counted and written as one {@code portal_link_auth_failures} line when the interval
 * ends.
 */
@Component
public class AuditLog implements HandlerFilterFunction<ServerResponse, ServerResponse> {

	private static final Log audit = LogFactory.getLog("audit");

	private static final String ORGANIZATION = AuditLog.class.getName() + ".organization";

	private static final String INTENT = AuditLog.class.getName() + ".intent";

	private static final String UPSTREAM = AuditLog.class.getName() + ".upstream";

	/** W3C Trace Context: version, trace id (not all zeros), parent id, flags. */
	private static final Pattern TRACEPARENT = Pattern
		.compile("[0-9a-f]{2}-(?!0{32})([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?");

	private static final String TRACE_ID = "trace_id";

	private static final Pattern SAFE_SUBJECT = Pattern.compile("[A-Za-z0-9:._@/+-]{1,255}");

	/** Client addresses with a failed authentication written in this interval. */
	private final FirstPerInterval unauthenticated;

	public AuditLog(CallerProperties properties, Ticker ticker) {
		CallerProperties.FailureBudget budget = properties.auth().failureBudget();
		String interval = budget.logInterval().toString();
		this.unauthenticated = new FirstPerInterval(budget.logInterval(), budget.maxAddresses(), ticker,
				(client, more) -> {
					if (audit.isInfoEnabled()) {
						audit.info("portal_link_auth_failures client=" + client + " more=" + more + " interval="
								+ interval + " (failed authentications after the one written)");
					}
				});
	}

	@Override
	public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
		long start = System.nanoTime();
		return next.handle(request)
			.doOnNext((response) -> write(request, outcome(request), response.statusCode().value(), start))
			.doOnCancel(() -> write(request, "cancelled", 499, start));
	}

	/**
	 * Records which organization and intent the link is for, once the request is
	 * validated.
	 */
	public static void linkFor(ServerRequest request, String organization, @Nullable Intent intent) {
		request.attributes().put(ORGANIZATION, organization);
		if (intent != null) {
			request.attributes().put(INTENT, intent.value());
		}
	}

	/** Records WorkOS's request id of a successful call. */
	public static void upstream(ServerRequest request, @Nullable String upstreamRequestId) {
		if (upstreamRequestId != null) {
			request.attributes().put(UPSTREAM, upstreamRequestId);
		}
	}

	private static String outcome(ServerRequest request) {
		GatewayProblem problem = Problems.problemOf(request);
		return (problem != null) ? problem.code().code() : "created";
	}

	private void write(ServerRequest request, String outcome, int status, long start) {
		if (!audit.isInfoEnabled()) {
			return;
		}
		GatewayProblem problem = Problems.problemOf(request);
		String client = ClientKey.of(request.remoteAddress().orElse(null));
		if (problem != null
				&& (problem.code() == ProblemCode.UNAUTHORIZED || problem.code() == ProblemCode.TOO_MANY_AUTH_FAILURES)
				&& !this.unauthenticated.first(client)) {
			return;
		}
		Object upstream = request.attribute(UPSTREAM)
			.orElse((problem != null && problem.upstreamRequestId() != null) ? problem.upstreamRequestId() : "-");
		Caller found = CallerAuthentication.findCaller(request).orElse(null);
		String caller = (found != null) ? found.name() : "-";
		// A subject a policy names is configuration (printable, no spaces). One no policy
		// names (403) is only signed by the issuer: written only if it looks like one.
		String jwtSubject = CallerAuthentication.findSubject(request)
			.map((sub) -> (found != null || SAFE_SUBJECT.matcher(sub).matches()) ? sub : "(unprintable)")
			.map((sub) -> " subject=" + sub)
			.orElse("");
		Object organization = request.attribute(ORGANIZATION).orElse("-");
		Object intent = request.attribute(INTENT).orElse("-");
		long latencyMs = (System.nanoTime() - start) / 1_000_000;
		String requestId = RequestIds.of(request);
		String traceId = traceId(request);
		String line = "portal_link caller=" + caller + jwtSubject + " organization=" + organization + " intent="
				+ intent + " outcome=" + outcome + " status=" + status + " upstream_request_id=" + upstream
				+ " latency_ms=" + latencyMs + " request_id=" + requestId
				+ ((traceId != null) ? " trace_id=" + traceId : "") + " client=" + client;
		RequestIds.inMdc(requestId, () -> {
			if (traceId == null) {
				audit.info(line);
				return;
			}
			try (MDC.MDCCloseable ignored = MDC.putCloseable(TRACE_ID, traceId)) {
				audit.info(line);
			}
		});
	}

	/**
	 * Writes the summaries of intervals that have ended, now (tests; else Caffeine's
	 * timer does). They are written by the thread that evicts the entry.
	 */
	void writeEndedSummaries() {
		this.unauthenticated.writeEndedSummaries();
	}

	/** The trace id of the caller's {@code traceparent}, if it is well formed. */
	static @Nullable String traceId(ServerRequest request) {
		String traceparent = request.headers().firstHeader("traceparent");
		if (traceparent == null || traceparent.length() > 512) {
			return null;
		}
		Matcher matcher = TRACEPARENT.matcher(traceparent);
		return (matcher.matches() && !traceparent.startsWith("ff")) ? matcher.group(1) : null;
	}

}
