package dev.portalgateway.caller;

import java.util.regex.Pattern;

import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Authenticates the caller from {@code Authorization: Bearer <token>} (RFC 6750) and puts
 * the {@link Caller} on the request; anything else is a 401 with a
 * {@code WWW-Authenticate} header.
 */
@Component
public class CallerAuthentication implements HandlerFilterFunction<ServerResponse, ServerResponse> {

	private static final String ATTRIBUTE = Caller.class.getName();

	private static final String REALM = "Bearer realm=\"portal-gateway\"";

	/** RFC 6750 b64token, bounded so a huge header costs nothing to reject. */
	private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]{1,512}=*");

	private final CallerAuthenticator authenticator;

	CallerAuthentication(CallerAuthenticator authenticator) {
		this.authenticator = authenticator;
	}

	@Override
	public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
		String authorization = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
		if (authorization == null) {
			return Mono.error(new GatewayProblem(ProblemCode.UNAUTHORIZED,
					"Send the caller token as 'Authorization: Bearer <token>'.")
				.withHeader(HttpHeaders.WWW_AUTHENTICATE, REALM));
		}
		String token = bearerToken(authorization);
		Caller caller = (token != null) ? this.authenticator.authenticate(token).orElse(null) : null;
		if (caller == null) {
			return Mono.error(new GatewayProblem(ProblemCode.UNAUTHORIZED, "The bearer token is not valid.")
				.withHeader(HttpHeaders.WWW_AUTHENTICATE, REALM + ", error=\"invalid_token\""));
		}
		request.attributes().put(ATTRIBUTE, caller);
		return next.handle(request);
	}

	private static String bearerToken(String authorization) {
		if (authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			return null;
		}
		String token = authorization.substring(7).strip();
		return TOKEN.matcher(token).matches() ? token : null;
	}

	/** The authenticated caller; only on routes behind this filter. */
	public static Caller callerOf(ServerRequest request) {
		return request.attribute(ATTRIBUTE)
			.map(Caller.class::cast)
			.orElseThrow(() -> new IllegalStateException("Route is not behind CallerAuthentication"));
	}

	static java.util.Optional<Caller> findCaller(ServerRequest request) {
		return request.attribute(ATTRIBUTE).map(Caller.class::cast);
	}

}
