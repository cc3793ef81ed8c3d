package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.portalgateway.Seeded;
import dev.portalgateway.ratelimit.FairShare.Claimant;
import dev.portalgateway.ratelimit.FairShare.Decision;
import dev.portalgateway.ratelimit.FairShare.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Weighted max-min fair share of one budget: examples at the numbers (20 links
 * per 10 s), then generated scenarios on a virtual clock, each decision checked against a
 * second, plain model of the rules.
 */
class FairShareTests {

	private static final Duration PERIOD = Duration.ofSeconds(10);

	private static final long SECOND = 1_000_000_000L;

	private final FairShare budget = new FairShare(20, PERIOD);

	private static final Claimant A = new Claimant("a", 1, 0);

	private static final Claimant B = new Claimant("b", 1, 0);

	@Test
	void aloneACallerMayUseTheWholeBudget() {
		for (int i = 0; i < 20; i++) {
			assertThat(this.budget.acquire(A, i).granted()).isTrue();
		}
		Decision refused = this.budget.acquire(A, 20);
		assertThat(refused.verdict()).as("alone, the budget is its share: rate_limited")
			.isEqualTo(Verdict.BUDGET_IN_USE);
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofNanos(PERIOD.toNanos() - 20));
		assertThat(this.budget.acquire(A, PERIOD.toNanos()).granted()).as("the first permit left the window").isTrue();
	}

	@Test
	void permitsFromElsewhereCountUntilTheyLeaveTheWindow() {
		// A replica's local share records the shared permits it got: 15 of 20 here.
		for (int i = 0; i < 15; i++) {
			this.budget.record(A, i);
		}
		for (int i = 0; i < 5; i++) {
			assertThat(this.budget.acquire(B, SECOND + i).granted()).isTrue();
		}
		assertThat(this.budget.acquire(B, 2 * SECOND).granted()).as("15 recorded + 5 granted fill it").isFalse();
		this.budget.record(A, 2 * SECOND);
		assertThat(this.budget.view(2 * SECOND).used()).as("a full window records no more").isEqualTo(20);
		assertThat(this.budget.acquire(A, PERIOD.toNanos() + 14).granted()).as("the recorded ones leave the window")
			.isTrue();
	}

	@Test
	void aCapHoldsEvenWhenTheBudgetIsFree() {
		Claimant capped = new Claimant("capped", 1, 3);
		for (int i = 0; i < 3; i++) {
			assertThat(this.budget.acquire(capped, i * SECOND).granted()).isTrue();
		}
		Decision refused = this.budget.acquire(capped, 3 * SECOND);
		assertThat(refused.verdict()).isEqualTo(Verdict.OVER_CAP);
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(7));
		assertThat(this.budget.acquire(capped, 10 * SECOND).granted()).isTrue();
	}

	@Test
	void aQuietCallersShareIsNotLentOutAndItGetsEveryLink() {
		// B asks first, then A hammers: A gets its share (10), B's unused share waits for
		// B, and B, asking every 1.5 s, gets every link.
		int bGranted = 0;
		int bAsked = 0;
		Map<Long, Integer> aPerWindow = new HashMap<>();
		for (long t = 0; t < 30 * SECOND; t += 50_000_000L) {
			if (t % 1_500_000_000L == 0) {
				bAsked++;
				bGranted += this.budget.acquire(B, t).granted() ? 1 : 0;
			}
			for (int i = 0; i < 6; i++) {
				if (this.budget.acquire(A, t).granted()) {
					aPerWindow.merge(t / PERIOD.toNanos(), 1, Integer::sum);
				}
			}
		}
		assertThat(bGranted).isEqualTo(bAsked);
		assertThat(aPerWindow.values()).allSatisfy((links) -> assertThat(links).isBetween(10, 13));
	}

	@Test
	void aNewcomerGetsThePermitsThatFreeUpFirst() {
		for (int i = 0; i < 20; i++) {
			assertThat(this.budget.acquire(A, i * 100_000_000L).granted()).isTrue();
		}
		long now = 3 * SECOND;
		Decision newcomer = this.budget.acquire(B, now);
		assertThat(newcomer.verdict()).as("A holds the budget").isEqualTo(Verdict.BUDGET_IN_USE);
		// A's first permits free up: B gets them, A (over its share of 10 now) does not.
		now = PERIOD.toNanos() + 500_000_000L;
		for (int i = 0; i < 5; i++) {
			assertThat(this.budget.acquire(A, now).verdict()).isEqualTo(Verdict.OVER_SHARE);
			assertThat(this.budget.acquire(B, now).granted()).isTrue();
		}
	}

	@Test
	void weightsSplitASaturatedBudget() {
		Claimant heavy = new Claimant("heavy", 3, 0);
		Claimant light = new Claimant("light", 1, 0);
		int heavyLinks = 0;
		int lightLinks = 0;
		for (long t = 0; t < 30 * SECOND; t += 10_000_000L) {
			heavyLinks += this.budget.acquire(heavy, t).granted() ? 1 : 0;
			lightLinks += this.budget.acquire(light, t).granted() ? 1 : 0;
		}
		double heavyPart = (double) heavyLinks / (heavyLinks + lightLinks);
		assertThat(heavyPart).isBetween(0.65, 0.85);
	}

	@Test
	void aCappedCallersLeftoverIsNotHeldForIt() {
		// The README's example: billing 3, hr 1, audit 1 with max-links 5, B = 100.
		FairShare budget = new FairShare(100, Duration.ofSeconds(60));
		Claimant billing = new Claimant("billing", 3, 0);
		Claimant hr = new Claimant("hr", 1, 0);
		Claimant audit = new Claimant("audit", 1, 5);
		int audits = 0;
		for (int i = 0; i < 10; i++) {
			audits += budget.acquire(audit, i).granted() ? 1 : 0;
		}
		int billings = 0;
		int hrs = 0;
		for (int i = 0; i < 200; i++) {
			billings += budget.acquire(billing, 10 + i).granted() ? 1 : 0;
			hrs += budget.acquire(hr, 10 + i).granted() ? 1 : 0;
		}
		assertThat(audits).isEqualTo(5);
		assertThat(billings + hrs).as("the whole budget is used").isEqualTo(95);
		assertThat(billings).isGreaterThanOrEqualTo(60);
		assertThat(hrs).isGreaterThanOrEqualTo(20);
	}

	@Test
	void manyCallersWithSharesBelowOnePermitStillUseTheBudget() {
		// 30 callers, 20 permits: each share is 2/3 of a permit; none is reserved whole,
		// so the budget is first come, first served instead of lost.
		int granted = 0;
		for (int i = 0; i < 30; i++) {
			granted += this.budget.acquire(new Claimant("c" + i, 1, 0), i).granted() ? 1 : 0;
		}
		assertThat(granted).isEqualTo(20);
	}

	@Test
	void generatedScenariosKeepEveryRule() {
		Seeded.check("fair-share", 1000, (seeded) -> {
			int limit = seeded.between(1, 30);
			long period = seeded.between(1, 20) * SECOND;
			FairShare budget = new FairShare(limit, Duration.ofNanos(period));
			List<Claimant> callers = new ArrayList<>();
			int count = seeded.between(1, 6);
			for (int i = 0; i < count; i++) {
				callers.add(new Claimant("c" + i, seeded.oneOf(1, 1, 2, 3, 10, 1000),
						seeded.chance(0.3) ? seeded.between(1, 10) : 0));
			}
			Model model = new Model(limit, period);
			long now = 0;
			for (int step = 0; step < 400; step++) {
				now += seeded.chance(0.7) ? seeded.between(0L, period / 20) : seeded.between(0L, period);
				Claimant caller = seeded.oneOf(callers);
				model.check(caller, now, budget.acquire(caller, now));
			}
		});
	}

	/**
	 * The rules, written plainly: a log of asks and grants, recounted for every check.
	 */
	private static final class Model {

		private final int limit;

		private final long period;

		private final List<Grant> grants = new ArrayList<>();

		private final Map<String, Long> lastAsked = new HashMap<>();

		private final Map<String, Integer> weights = new HashMap<>();

		private final Map<String, Integer> caps = new HashMap<>();

		/** A caller's share in whole permits, at most its cap. */
		private long held(String caller, long weightSum) {
			long whole = (long) this.limit * this.weights.get(caller) / weightSum;
			int cap = this.caps.get(caller);
			return (cap > 0) ? Math.min(whole, cap) : whole;
		}

		Model(int limit, long period) {
			this.limit = limit;
			this.period = period;
		}

		void check(Claimant caller, long now, Decision decision) {
			this.lastAsked.put(caller.name(), now);
			this.weights.put(caller.name(), caller.weight());
			this.caps.put(caller.name(), caller.maxLinks());
			Map<String, Integer> used = new HashMap<>();
			int total = 0;
			for (Grant grant : this.grants) {
				if (now - grant.at() < this.period) {
					used.merge(grant.caller(), 1, Integer::sum);
					total++;
				}
			}
			List<String> active = this.lastAsked.entrySet()
				.stream()
				.filter((entry) -> now - entry.getValue() < this.period)
				.map(Map.Entry::getKey)
				.toList();
			long weightSum = active.stream().mapToLong(this.weights::get).sum();
			int mine = used.getOrDefault(caller.name(), 0);
			long myWhole = (long) this.limit * caller.weight() / weightSum;
			boolean someoneOverShare = active.stream()
				.filter((other) -> !other.equals(caller.name()))
				.anyMatch((other) -> used.getOrDefault(other, 0) > (double) this.limit * this.weights.get(other)
						/ weightSum);
			long reservedByOthers = active.stream()
				.filter((other) -> !other.equals(caller.name()))
				.mapToLong((other) -> Math.max(0, held(other, weightSum) - used.getOrDefault(other, 0)))
				.sum();
			assertThat(decision.used()).as("its permits in the window").isEqualTo(mine + (decision.granted() ? 1 : 0));
			if (decision.granted()) {
				assertThat(total + 1).as("never more than the limit in the window").isLessThanOrEqualTo(this.limit);
				if (caller.maxLinks() > 0) {
					assertThat(mine + 1).as("never past its cap").isLessThanOrEqualTo(caller.maxLinks());
				}
				assertThat(total + 1 + reservedByOthers).as("no one's unused share is lent out")
					.isLessThanOrEqualTo(this.limit);
				this.grants.add(new Grant(now, caller.name()));
				checkEveryStretch();
				return;
			}
			if (caller.maxLinks() > 0 && mine >= caller.maxLinks()) {
				assertThat(decision.verdict()).isEqualTo(Verdict.OVER_CAP);
				return;
			}
			assertThat(decision.verdict()).isNotEqualTo(Verdict.OVER_CAP);
			if (active.size() == 1) {
				assertThat(total).as("alone, refused only with the budget full").isEqualTo(this.limit);
			}
			if (mine + 1 <= myWhole) {
				// Under its share: only callers over theirs can be holding the room.
				assertThat(someoneOverShare).as("%s refused under its share with no one over theirs", caller.name())
					.isTrue();
				assertThat(decision.verdict()).isEqualTo(Verdict.BUDGET_IN_USE);
			}
			assertThat(decision.retryAfter()).as("a refusal says when").isPositive();
		}

		/** Any stretch of one period saw at most the limit. */
		private void checkEveryStretch() {
			List<Grant> times = this.grants;
			int first = 0;
			for (int last = 0; last < times.size(); last++) {
				while (times.get(last).at() - times.get(first).at() >= this.period) {
					first++;
				}
				assertThat(last - first + 1).isLessThanOrEqualTo(this.limit);
			}
		}

	}

	private record Grant(long at, String caller) {
	}

}
