package dev.portalgateway.portallink;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.portalgateway.caller.CallerProperties;
import dev.portalgateway.ratelimit.FairShare;
import dev.portalgateway.ratelimit.Operation;
import dev.portalgateway.ratelimit.QuotaSnapshot;
import dev.portalgateway.ratelimit.RateLimitProperties;
import dev.portalgateway.ratelimit.UpstreamQuotas;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/quotas}, on the management port only: per operation the limit, the
 * period and the use in the current window; per configured caller its weight, its cap,
 * its fair share now (0 while it has not asked in the window) and its use. With the Redis
 * store the link budget is read from Redis, so every replica shows the same. Caller names
 * come from configuration; nothing else about a caller (no token, no subject) is shown.
 */
@Component
@Endpoint(id = "quotas")
class QuotasEndpoint {

	private final UpstreamQuotas quotas;

	private final CallerProperties callers;

	private final RateLimitProperties rateLimits;

	QuotasEndpoint(UpstreamQuotas quotas, CallerProperties callers, RateLimitProperties rateLimits) {
		this.quotas = quotas;
		this.callers = callers;
		this.rateLimits = rateLimits;
	}

	@ReadOperation
	Mono<Quotas> quotas() {
		return this.quotas.linkView().map(this::quotas);
	}

	private Quotas quotas(FairShare.View links) {
		QuotaSnapshot icons = this.quotas.iconQuota();
		RateLimitProperties.Quota iconQuota = this.rateLimits.quota(Operation.PROVIDER_ICONS);
		Map<String, OperationQuota> operations = new LinkedHashMap<>();
		operations.put(Operation.PORTAL_LINKS.tag(), new OperationQuota(links.limit(), links.period(), links.used()));
		operations.put(Operation.PROVIDER_ICONS.tag(),
				new OperationQuota(iconQuota.limit(), iconQuota.period(), icons.limit() - icons.remaining()));
		Map<String, CallerQuota> callers = new LinkedHashMap<>();
		for (CallerProperties.Policy policy : this.callers.callers()) {
			FairShare.CallerView seen = links.callers().get(policy.name());
			callers.put(policy.name(), new CallerQuota(policy.weight(), policy.maxLinks(), seen != null,
					(seen != null) ? seen.share() : 0, (seen != null) ? seen.used() : 0));
		}
		return new Quotas(this.quotas.store(), operations, callers);
	}

	/**
	 * The quotas now.
	 *
	 * @param store where they are counted: {@code local}, {@code redis}, or
	 * {@code degraded} (Redis away: this replica's share)
	 * @param operations per WorkOS operation
	 * @param callers per configured caller, for the link budget
	 */
	record Quotas(String store, Map<String, OperationQuota> operations, Map<String, CallerQuota> callers) {
	}

	/**
	 * One operation's quota.
	 *
	 * @param limit permits per period
	 * @param period the window
	 * @param used permits taken in the current window
	 */
	record OperationQuota(int limit, Duration period, int used) {
	}

	/**
	 * One caller's part of the link budget.
	 *
	 * @param weight its weight
	 * @param maxLinks its cap, if any
	 * @param active whether it asked in the last period
	 * @param share its fair share now (links per period), 0 while not active
	 * @param used links it holds in the window
	 */
	record CallerQuota(int weight, @Nullable Integer maxLinks, boolean active, double share, int used) {
	}

}
