package dev.portalgateway.ratelimit;

import java.time.Duration;

import dev.portalgateway.system.GatewayProblem;

import org.springframework.http.HttpHeaders;

/**
 * A quota at one moment, as callers are told it in {@code RateLimit-*} headers.
 *
 * @param limit permits per window
 * @param remaining permits left in this window
 * @param reset time until the window ends
 * @param nextPermit time until a permit is free (zero when one is free now)
 */
public record QuotaSnapshot(int limit, int remaining, Duration reset, Duration nextPermit) {

	/** The whole budget as a fair-share decision left it. */
	static QuotaSnapshot of(FairShare budget, FairShare.Decision decision) {
		int remaining = Math.max(0, budget.limit() - decision.usedTotal());
		Duration reset = decision.granted() ? budget.period() : decision.retryAfter();
		return new QuotaSnapshot(budget.limit(), remaining, reset, decision.retryAfter());
	}

	/** The shared log as Redis's answer left it. */
	static QuotaSnapshot of(StoreDecision decision) {
		return new QuotaSnapshot(decision.limit(), decision.remaining(), decision.reset(),
				decision.granted() ? Duration.ZERO : decision.reset());
	}

	/** A fair-share budget now. */
	static QuotaSnapshot of(FairShare.View view) {
		int remaining = Math.max(0, view.limit() - view.used());
		return new QuotaSnapshot(view.limit(), remaining, view.untilOldestLeaves(),
				(remaining > 0) ? Duration.ZERO : view.untilOldestLeaves());
	}

	/**
	 * Adds {@code RateLimit-Limit}, {@code -Remaining} and {@code -Reset} (whole
	 * seconds).
	 */
	public void addTo(HttpHeaders headers) {
		headers.set("RateLimit-Limit", Integer.toString(this.limit));
		headers.set("RateLimit-Remaining", Integer.toString(this.remaining));
		headers.set("RateLimit-Reset", Long.toString(GatewayProblem.wholeSeconds(this.reset)));
	}

}
