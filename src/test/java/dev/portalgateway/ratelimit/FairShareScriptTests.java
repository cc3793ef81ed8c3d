package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.portalgateway.Await;
import dev.portalgateway.Seeded;
import dev.portalgateway.system.Uuids;
import dev.portalgateway.ratelimit.FairShare.Claimant;
import dev.portalgateway.ratelimit.FairShare.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fair-share.lua} against a real Redis server: the same decisions as the in-memory
 * {@link FairShare}, ask for ask. Redis keeps its own time, so the window here is a
 * minute: nothing leaves it while a scenario runs, and both sides see the same window.
 */
class FairShareScriptTests extends RedisStores {

	private static final Duration MINUTE = Duration.ofSeconds(60);

	@Test
	void decidesAsTheInMemoryFairShareDoes() {
		Seeded.check("fair-share-script", 60, (seeded) -> {
			SharedQuotaStore store = store(Long.toHexString(seeded.seed()).substring(0, 8));
			int limit = seeded.between(1, 30);
			FairShare memory = new FairShare(limit, MINUTE);
			List<Claimant> callers = new ArrayList<>();
			for (int i = 0, count = seeded.between(1, 5); i < count; i++) {
				callers.add(new Claimant("c" + i, seeded.oneOf(1, 1, 2, 3, 10),
						seeded.chance(0.3) ? seeded.between(1, 8) : 0));
			}
			for (int ask = 0; ask < 50; ask++) {
				Claimant caller = seeded.oneOf(callers);
				FairShare.Decision expected = memory.acquire(caller, 0);
				FairDecision actual = Await
					.value(store.acquireFair(limit, MINUTE, Uuids.random(), Duration.ofSeconds(1), caller));
				assertThat(actual.verdict()).as("ask %d by %s", ask, caller).isEqualTo(expected.verdict());
				assertThat(actual.used()).as("ask %d: its permits", ask).isEqualTo(expected.used());
				assertThat(actual.share()).isEqualTo((int) Math.floor(expected.share()));
			}
		});
	}

	@Test
	void aPermitAskedForAgainIsNotTakenTwice() {
		SharedQuotaStore store = store("again001");
		Claimant caller = new Claimant("team", 1, 0);
		FairDecision first = Await.value(store.acquireFair(2, MINUTE, "permit-1", MINUTE, caller));
		FairDecision again = Await.value(store.acquireFair(2, MINUTE, "permit-1", MINUTE, caller));
		assertThat(first.verdict()).isEqualTo(Verdict.GRANTED);
		assertThat(again.verdict()).isEqualTo(Verdict.GRANTED);
		assertThat(again.decision().admittedAt()).isEqualTo(first.decision().admittedAt());
		assertThat(Await.value(store.acquireFair(2, MINUTE, "permit-2", MINUTE, caller)).verdict())
			.isEqualTo(Verdict.GRANTED);
		assertThat(Await.value(store.acquireFair(2, MINUTE, "permit-3", MINUTE, caller)).verdict())
			.isEqualTo(Verdict.BUDGET_IN_USE);
	}

	@Test
	void permitsTakenBeforeFairShareCountForTheBudget() {
		// A replica of the previous version writes bare permit ids into the same log.
		SharedQuotaStore store = store("upgrade1");
		Await.value(store.acquire(Operation.PORTAL_LINKS, 3, MINUTE));
		Await.value(store.acquire(Operation.PORTAL_LINKS, 3, MINUTE));
		Claimant caller = new Claimant("team", 1, 0);
		assertThat(Await.value(store.acquireFair(3, MINUTE, "new-1", MINUTE, caller)).verdict())
			.isEqualTo(Verdict.GRANTED);
		assertThat(Await.value(store.acquireFair(3, MINUTE, "new-2", MINUTE, caller)).verdict())
			.isEqualTo(Verdict.BUDGET_IN_USE);
	}

}
