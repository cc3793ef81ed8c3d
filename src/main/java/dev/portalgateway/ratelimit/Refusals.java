package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The 429s the gateway answers itself, without calling WorkOS, each counted in
 * {@code gateway.ratelimit.rejected} by operation and reason: the budget used up
 * ({@code quota}), the caller's own share or cap ({@code caller_share},
 * {@code caller_cap}), and a shared store that could not tell ({@code store_unknown}).
 */
final class Refusals {

	private final Map<Operation, Counter> budgetUsed = new EnumMap<>(Operation.class);

	private final Map<FairShare.Verdict, Counter> caller = new EnumMap<>(FairShare.Verdict.class);

	private final Map<Operation, Counter> unknown = new EnumMap<>(Operation.class);

	Refusals(MeterRegistry meters, boolean shared) {
		for (Operation operation : Operation.values()) {
			this.budgetUsed.put(operation, counter(meters, operation, "quota"));
			if (shared) {
				this.unknown.put(operation, counter(meters, operation, "store_unknown"));
			}
		}
		this.caller.put(FairShare.Verdict.OVER_SHARE, counter(meters, Operation.PORTAL_LINKS, "caller_share"));
		this.caller.put(FairShare.Verdict.OVER_CAP, counter(meters, Operation.PORTAL_LINKS, "caller_cap"));
	}

	static Counter counter(MeterRegistry meters, Operation operation, String reason) {
		return Counter.builder("gateway.ratelimit.rejected")
			.description("Requests answered 429 by the gateway itself, without calling WorkOS")
			.tag("operation", operation.tag())
			.tag("reason", reason)
			.register(meters);
	}

	/**
	 * The answer for a request that got no permit, with the quota as it was seen for that
	 * request (the Redis script's own answer, not a later one).
	 */
	GatewayProblem budgetUsed(Operation operation, QuotaSnapshot snapshot) {
		this.budgetUsed.get(operation).increment();
		GatewayProblem problem = new GatewayProblem(ProblemCode.RATE_LIMITED,
				"The gateway's WorkOS quota for this operation is used up; retry after the Retry-After delay.")
			.withRetryAfter(snapshot.nextPermit());
		snapshot.addTo(problem.getHeaders());
		return problem;
	}

	/**
	 * The 429 for a link refused by a fair share: the caller's own share or cap, or the
	 * whole budget.
	 */
	GatewayProblem refused(FairShare budget, FairShare.Claimant claimant, FairShare.Decision decision) {
		if (decision.verdict() == FairShare.Verdict.BUDGET_IN_USE) {
			return budgetUsed(Operation.PORTAL_LINKS, QuotaSnapshot.of(budget, decision));
		}
		return callerRefused(claimant, decision.verdict(), (int) Math.floor(decision.share()), decision.retryAfter());
	}

	/**
	 * 429 {@code caller_quota_exceeded}, with {@code RateLimit-*} for the caller's own
	 * limit: its cap, or its share in whole permits (at least 1).
	 */
	GatewayProblem callerRefused(FairShare.Claimant claimant, FairShare.Verdict verdict, int share,
			Duration retryAfter) {
		this.caller.get(verdict).increment();
		boolean capped = verdict == FairShare.Verdict.OVER_CAP;
		String detail = capped ? "This caller has had its most links for this period (max-links)"
				: "This caller has used its fair share of the WorkOS link budget";
		GatewayProblem problem = new GatewayProblem(ProblemCode.CALLER_QUOTA_EXCEEDED,
				detail + "; retry after the Retry-After delay.")
			.withRetryAfter(retryAfter);
		int ownLimit = capped ? claimant.maxLinks() : Math.max(1, share);
		new QuotaSnapshot(ownLimit, 0, retryAfter, retryAfter).addTo(problem.getHeaders());
		return problem;
	}

	/** The shared store did not answer (twice): 429 with {@code Retry-After: 1}. */
	GatewayProblem unknownOutcome(Operation operation) {
		this.unknown.get(operation).increment();
		return new GatewayProblem(ProblemCode.RATE_LIMITED,
				"The gateway could not tell whether its shared WorkOS quota has room; retry after the Retry-After delay.")
			.withRetryAfter(Duration.ofSeconds(1));
	}

}
