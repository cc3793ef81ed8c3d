package dev.portalgateway.workos;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;

import dev.portalgateway.system.Causes;
import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.system.RequestIds;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.PrematureCloseException;

import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * Faults of the network or of WorkOS's answer in time, as opposed to bugs of ours, turned
 * into {@link UpstreamProblem}s (all retryable) and logged once.
 */
final class TransportProblems {

	private static final Log logger = LogFactory.getLog(WorkOsClient.class);

	private TransportProblems() {
	}

	/**
	 * A failure of the network or of WorkOS's answer in time, as opposed to a bug of
	 * ours.
	 */
	static boolean isTransportFailure(Throwable failure) {
		return !(failure instanceof GatewayProblem) && (failure instanceof WebClientRequestException
				|| Causes.hasCause(failure, IOException.class, TimeoutException.class, ReadTimeoutException.class));
	}

	/** The problem for a transport failure, logged with the caller's request id. */
	static GatewayProblem of(Throwable failure, @Nullable String requestId) {
		return RequestIds.inMdc(requestId, () -> of(failure));
	}

	private static GatewayProblem of(Throwable failure) {
		if (Causes.hasCause(failure, ReadTimeoutException.class, TimeoutException.class)) {
			logger.warn("WorkOS did not answer in time");
			return new UpstreamProblem(ProblemCode.UPSTREAM_TIMEOUT, "WorkOS did not answer in time.", "timeout", true,
					null, failure);
		}
		if (Causes.hasCause(failure, ConnectException.class, ConnectTimeoutException.class, UnknownHostException.class,
				NoRouteToHostException.class)) {
			logger.warn("WorkOS could not be reached: " + failure.getClass().getSimpleName());
			return new UpstreamProblem(ProblemCode.UPSTREAM_UNAVAILABLE, "WorkOS could not be reached.", "io_error",
					true, null, failure);
		}
		if (Causes.hasCause(failure, PrematureCloseException.class)) {
			logger.warn("WorkOS closed the connection before answering");
			return new UpstreamProblem(ProblemCode.UPSTREAM_ERROR, "WorkOS closed the connection before answering.",
					"io_error", true, null, failure);
		}
		logger.warn("Calling WorkOS failed", failure);
		return new UpstreamProblem(ProblemCode.UPSTREAM_UNAVAILABLE, "WorkOS could not be reached.", "io_error", true,
				null, failure);
	}

}
