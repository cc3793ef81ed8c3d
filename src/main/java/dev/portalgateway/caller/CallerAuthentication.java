package dev.portalgateway.caller;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.portalgateway.caller.JwtVerifier.Rejected;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Authenticates the caller from {@code Authorization: Bearer <token>} (RFC 6750) and puts
 * the {@link Caller} on the request.
 * <ul>
 * <li>A token shaped like a JWT (three base64url parts, the first a JSON header) is
 * verified as one ({@link JwtVerifier}) and its subject looked up in the policies; it is
 * never compared with static token hashes. With JWT verification off it is refused.</li>
 * <li>Any other token is a static token, found by its hash ({@link CallerAuthenticator}).
 * </li>
 * </ul>
 * Failures: 401 with {@code WWW-Authenticate} (and {@code error="invalid_token"} when a
 * token was sent), the same body whatever the reason; 403 {@code caller_not_allowed} for
 * a valid JWT no policy names; 503 {@code auth_unavailable} when the issuer's keys cannot
 * be had. Each is counted in {@code gateway.auth.failures{reason}}.
 * <p>
 * Each 401 spends the client address's {@link FailureBudget}. Once it is used up, what
 * would be a 401 is a 429 {@code too_many_auth_failures} with {@code Retry-After}, and a
 * JWT is not even verified unless the gateway remembers it verified; a valid static token
 * or a remembered JWT still gets through, so a good caller behind the same address (a
 * proxy, a node) is not locked out by a bad one.
 */
public class CallerAuthentication implements HandlerFilterFunction<ServerResponse, ServerResponse> {

	private static final String ATTRIBUTE = Caller.class.getName();

	private static final String SUBJECT = CallerAuthentication.class.getName() + ".subject";

	private static final String REALM = "Bearer realm=\"portal-gateway\"";

	private final CallerAuthenticator callers;

	private final @Nullable JwtVerifier jwt;

	private final FailureBudget budget;

	private final Map<Rejection, Counter> failures = new EnumMap<>(Rejection.class);

	CallerAuthentication(CallerAuthenticator callers, @Nullable JwtVerifier jwt, FailureBudget budget,
			MeterRegistry meters) {
		this.callers = callers;
		this.jwt = jwt;
		this.budget = budget;
		for (Rejection reason : Rejection.values()) {
			this.failures.put(reason,
					Counter.builder("gateway.auth.failures")
						.description("Requests turned away before reaching a handler, by reason")
						.tag("reason", reason.tag())
						.register(meters));
		}
	}

	@Override
	public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
		List<String> authorization = request.headers().header(HttpHeaders.AUTHORIZATION);
		if (authorization.isEmpty()) {
			return reject(request, Rejection.MISSING_TOKEN);
		}
		if (authorization.size() > 1) {
			// A field that may appear once (RFC 9110): a proxy that reads the other one
			// would disagree with the gateway about who is calling.
			return reject(request, Rejection.MALFORMED_TOKEN);
		}
		String token = bearerToken(authorization.get(0));
		if (token == null) {
			return reject(request, Rejection.MALFORMED_TOKEN);
		}
		if (TokenShapes.isJwt(token)) {
			return fromJwt(request, token).flatMap((caller) -> proceed(request, caller, next));
		}
		if (!TokenShapes.isStaticToken(token)) {
			return reject(request, Rejection.MALFORMED_TOKEN);
		}
		// Static tokens are looked up in place: no extra operator on the hot path.
		Caller caller = this.callers.authenticate(token).orElse(null);
		return (caller != null) ? proceed(request, caller, next) : reject(request, Rejection.UNKNOWN_TOKEN);
	}

	private static Mono<ServerResponse> proceed(ServerRequest request, Caller caller,
			HandlerFunction<ServerResponse> next) {
		request.attributes().put(ATTRIBUTE, caller);
		return next.handle(request);
	}

	private Mono<Caller> fromJwt(ServerRequest request, String token) {
		JwtVerifier verifier = this.jwt;
		if (verifier == null) {
			return reject(request, Rejection.JWT_NOT_ENABLED);
		}
		String remembered = verifier.rememberedSubject(token);
		Mono<String> verified;
		if (remembered != null) {
			verified = Mono.just(remembered);
		}
		else {
			// A signature check costs: it is paid for from the address's failure budget
			// before it starts, so that concurrent checks cannot overdraw it, and given
			// back if the token turns out valid (or the keys were not there to check it).
			// A check cut short (the caller hung up) stays paid for: the work was done.
			InetSocketAddress client = clientOf(request);
			Duration wait = this.budget.spend(client);
			if (!wait.isZero()) {
				return overBudget(wait);
			}
			verified = verifier.verifiedSubject(token)
				.doOnNext((valid) -> this.budget.refund(client))
				.onErrorResume(Rejected.class, (rejected) -> {
					if (!rejected.reason().unauthenticated()) {
						this.budget.refund(client);
					}
					return refuse(rejected.reason());
				});
		}
		return verified.flatMap((subject) -> {
			request.attributes().put(SUBJECT, subject);
			return this.callers.bySubject(subject)
				.map(Mono::just)
				.orElseGet(() -> reject(request, Rejection.NO_POLICY));
		});
	}

	/** Turns the request away, spending its address's failure budget if it failed. */
	private <T> Mono<T> reject(ServerRequest request, Rejection reason) {
		if (reason.unauthenticated()) {
			Duration wait = this.budget.spend(clientOf(request));
			if (!wait.isZero()) {
				return overBudget(wait);
			}
		}
		return refuse(reason);
	}

	/** Turns the request away; any failure is already paid for. */
	private <T> Mono<T> refuse(Rejection reason) {
		this.failures.get(reason).increment();
		return Mono.error(problem(reason));
	}

	private <T> Mono<T> overBudget(Duration wait) {
		this.failures.get(Rejection.OVER_FAILURE_BUDGET).increment();
		return Mono.error(new GatewayProblem(ProblemCode.TOO_MANY_AUTH_FAILURES,
				"Too many failed authentications from this address; retry after the Retry-After delay.")
			.withRetryAfter(wait));
	}

	private static @Nullable InetSocketAddress clientOf(ServerRequest request) {
		return request.remoteAddress().orElse(null);
	}

	private GatewayProblem problem(Rejection reason) {
		return switch (reason) {
			case MISSING_TOKEN -> new GatewayProblem(ProblemCode.UNAUTHORIZED,
					"Send the caller token as 'Authorization: Bearer <token>'.")
				.withHeader(HttpHeaders.WWW_AUTHENTICATE, REALM);
			case NO_POLICY -> new GatewayProblem(ProblemCode.CALLER_NOT_ALLOWED,
					"The token is valid, but no caller policy names its subject.");
			case KEYS_UNAVAILABLE -> new GatewayProblem(ProblemCode.AUTH_UNAVAILABLE,
					"The gateway cannot verify caller tokens right now; retry after the Retry-After delay.")
				.withRetryAfter((this.jwt != null) ? this.jwt.keysRetryAfter() : Duration.ofSeconds(1));
			// Why a token is refused stays in the metrics: the body and header say only
			// that it is.
			default -> new GatewayProblem(ProblemCode.UNAUTHORIZED, "The bearer token is not valid.")
				.withHeader(HttpHeaders.WWW_AUTHENTICATE, REALM + ", error=\"invalid_token\"");
		};
	}

	private static @Nullable String bearerToken(String authorization) {
		if (authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			return null;
		}
		String token = authorization.substring(7).strip();
		return token.isEmpty() ? null : token;
	}

	/** The authenticated caller; only on routes behind this filter. */
	public static Caller callerOf(ServerRequest request) {
		return request.attribute(ATTRIBUTE)
			.map(Caller.class::cast)
			.orElseThrow(() -> new IllegalStateException("Route is not behind CallerAuthentication"));
	}

	static Optional<Caller> findCaller(ServerRequest request) {
		return request.attribute(ATTRIBUTE).map(Caller.class::cast);
	}

	/** The subject of the caller's verified JWT, if it sent one. */
	static Optional<String> findSubject(ServerRequest request) {
		return request.attribute(SUBJECT).map(Object::toString);
	}

}
