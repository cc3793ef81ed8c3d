package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Weighted max-min fair sharing of one budget ({@code limit} permits in any stretch of
 * {@code period}, a sliding window) among the callers that are <em>active</em>: those
 * that asked at least once in the last period.
 * <ul>
 * <li>A caller's fair share is {@code limit × weight / Σ weights of the active
 * callers}; what is reserved for it is that share in whole permits, rounded down, and no
 * more than its cap.</li>
 * <li>A request is granted only if, after it, the permits held in the window plus what
 * the <em>other</em> active callers have not yet used of their fair shares still fit in
 * the limit. So the unused part of a caller's fair share is never lent out: it stays
 * there for that caller, and a caller whose next link fits within its share is refused
 * only while callers over their shares hold the room (their permits, as they free up, go
 * to it first).</li>
 * <li>With the others idle (not active), one caller may use the whole budget
 * (work-conserving), up to its cap.</li>
 * <li>{@code max-links} caps a caller even when the budget is free.</li>
 * </ul>
 * A refusal says whose limit it is: the caller's own share or cap
 * ({@link Verdict#OVER_SHARE}, {@link Verdict#OVER_CAP}: 429
 * {@code caller_quota_exceeded}), or the whole budget, held by callers over their shares
 * ({@link Verdict#BUDGET_IN_USE}: 429 {@code rate_limited}).
 * <p>
 * The same rules run in Redis for the shared store (one script decides for all replicas).
 * Here they run in memory, under this object's lock: one decision is a few map operations
 * over the active callers, never a wait.
 * <p>
 * About 300 lines, a third of them its vocabulary: the records callers use
 * ({@link Claimant}, {@link Decision}, {@link View}, {@link CallerView}), nested so that
 * each reads as {@code FairShare.Decision}. The rules themselves are {@link #acquire}.
 */
public final class FairShare {

	private final int limit;

	private final long period;

	/** Permits in the window, oldest first. */
	private final ArrayDeque<Grant> grants = new ArrayDeque<>();

	/** Per active caller: weight, when it last asked, permits it holds in the window. */
	private final Map<String, Activity> active = new HashMap<>();

	/**
	 * @param limit permits in any stretch of {@code period}
	 * @param period the sliding window
	 */
	public FairShare(int limit, Duration period) {
		this.limit = limit;
		this.period = period.toNanos();
	}

	/**
	 * Asks for one permit for {@code caller} at {@code now} (ticker time).
	 */
	public synchronized Decision acquire(Claimant caller, long now) {
		expire(now);
		Activity mine = this.active.computeIfAbsent(caller.name(), (name) -> new Activity());
		mine.weight = caller.weight();
		mine.maxLinks = caller.maxLinks();
		mine.lastAsked = now;
		long weights = totalWeight();
		double share = (double) this.limit * mine.weight / weights;
		if (caller.maxLinks() > 0 && mine.used >= caller.maxLinks()) {
			return refuse(Verdict.OVER_CAP, caller, mine, share, now);
		}
		long reservedByOthers = 0;
		for (Map.Entry<String, Activity> other : this.active.entrySet()) {
			if (!other.getKey().equals(caller.name())) {
				Activity activity = other.getValue();
				reservedByOthers += Math.max(0, reserved(activity, weights) - activity.used);
			}
		}
		if (this.grants.size() + 1 + reservedByOthers <= this.limit) {
			this.grants.addLast(new Grant(now, caller.name()));
			mine.used++;
			return new Decision(Verdict.GRANTED, share, mine.used, this.grants.size(), Duration.ZERO);
		}
		// Over its own share only when others share the budget: alone, its share is the
		// whole budget, and that is in use.
		boolean overOwnShare = mine.used + 1 > whole(mine.weight, weights) && weights > mine.weight;
		return refuse(overOwnShare ? Verdict.OVER_SHARE : Verdict.BUDGET_IN_USE, caller, mine, share, now);
	}

	/**
	 * Counts a permit that {@code caller} got elsewhere at {@code now} (from the shared
	 * store), if the window has room for it, whatever the shares say: a replica's local
	 * share then starts from what the replica itself took from the shared budget in the
	 * last period, so losing Redis does not hand out a fresh share on top.
	 */
	public synchronized void record(Claimant caller, long now) {
		expire(now);
		if (this.grants.size() >= this.limit) {
			return;
		}
		Activity mine = this.active.computeIfAbsent(caller.name(), (name) -> new Activity());
		mine.weight = caller.weight();
		mine.maxLinks = caller.maxLinks();
		mine.lastAsked = now;
		this.grants.addLast(new Grant(now, caller.name()));
		mine.used++;
	}

	/**
	 * A share in whole permits, rounded down: what is reserved for a caller. The
	 * fractions left over (with many callers, or shares below one permit) are first come,
	 * first served, so they are never all reserved and lost.
	 */
	private long whole(int weight, long weights) {
		return (long) this.limit * weight / weights;
	}

	/**
	 * What is held for a caller: its share in whole permits, and no more than its cap (a
	 * capped caller can never use the rest, so the rest is not held back for it).
	 */
	private long reserved(Activity activity, long weights) {
		long whole = whole(activity.weight, weights);
		return (activity.maxLinks > 0) ? Math.min(whole, activity.maxLinks) : whole;
	}

	private long totalWeight() {
		long weights = 0;
		for (Activity activity : this.active.values()) {
			weights += activity.weight;
		}
		return weights;
	}

	private Decision refuse(Verdict verdict, Claimant caller, Activity mine, double share, long now) {
		// Over its own share or cap: when its own oldest permit leaves the window. The
		// budget in use: when the oldest permit in the window leaves it.
		Grant oldest = (verdict == Verdict.BUDGET_IN_USE) ? this.grants.peekFirst() : oldestOf(caller.name());
		long wait = (oldest != null) ? oldest.at() + this.period - now : this.period;
		return new Decision(verdict, share, mine.used, this.grants.size(), Duration.ofNanos(Math.max(0, wait)));
	}

	private @Nullable Grant oldestOf(String caller) {
		for (Grant grant : this.grants) {
			if (grant.caller().equals(caller)) {
				return grant;
			}
		}
		return null;
	}

	/** Drops permits that left the window, and callers that have not asked in it. */
	private void expire(long now) {
		while (!this.grants.isEmpty() && now - this.grants.peekFirst().at() >= this.period) {
			Grant gone = this.grants.removeFirst();
			Activity activity = this.active.get(gone.caller());
			if (activity != null) {
				activity.used--;
			}
		}
		for (Iterator<Activity> activities = this.active.values().iterator(); activities.hasNext();) {
			Activity activity = activities.next();
			if (now - activity.lastAsked >= this.period && activity.used == 0) {
				activities.remove();
			}
		}
	}

	public int limit() {
		return this.limit;
	}

	public Duration period() {
		return Duration.ofNanos(this.period);
	}

	/** The state now, for the {@code quotas} endpoint. */
	public synchronized View view(long now) {
		expire(now);
		Map<String, Claim> callers = new HashMap<>();
		Map<String, Integer> used = new HashMap<>();
		for (Map.Entry<String, Activity> entry : this.active.entrySet()) {
			Activity activity = entry.getValue();
			callers.put(entry.getKey(), new Claim(activity.weight, activity.maxLinks, activity.lastAsked));
			used.put(entry.getKey(), activity.used);
		}
		Grant oldest = this.grants.peekFirst();
		Duration untilOldestLeaves = Duration.ofNanos((oldest != null) ? oldest.at() + this.period - now : 0);
		return View.of(this.limit, Duration.ofNanos(this.period), this.grants.size(), untilOldestLeaves, used, callers);
	}

	/**
	 * What a caller last claimed, and when it last asked.
	 *
	 * @param weight its weight
	 * @param maxLinks its cap, 0 for none
	 * @param lastAsked when it last asked (ticker time, or Redis ms)
	 */
	public record Claim(int weight, int maxLinks, long lastAsked) {
	}

	/**
	 * A caller's claim on the budget.
	 *
	 * @param name the caller's configured name
	 * @param weight its weight (1–1000)
	 * @param maxLinks the most permits it may hold in the window; 0 for no cap
	 */
	public record Claimant(String name, int weight, int maxLinks) {

		/** The claim of a request no caller is named for: weight 1, no cap. */
		public static Claimant anonymous(String name) {
			return new Claimant(name, 1, 0);
		}

	}

	/** What a request got. */
	public enum Verdict {

		GRANTED,

		/** The caller's next permit would take it past its fair share. */
		OVER_SHARE,

		/** The caller holds its {@code max-links}. */
		OVER_CAP,

		/**
		 * The budget is held by callers over their shares, though the caller's next
		 * permit fits its own.
		 */
		BUDGET_IN_USE

	}

	/**
	 * One decision.
	 *
	 * @param verdict granted, or why not
	 * @param share the caller's fair share now (permits in the window)
	 * @param used permits the caller holds in the window, this one included if granted
	 * @param usedTotal permits held in the window by all callers
	 * @param retryAfter when the caller's next request may be granted (zero if granted)
	 */
	public record Decision(Verdict verdict, double share, int used, int usedTotal, Duration retryAfter) {

		public boolean granted() {
			return this.verdict == Verdict.GRANTED;
		}

	}

	/**
	 * The budget now.
	 *
	 * @param limit permits in any stretch of the period
	 * @param period the window
	 * @param used permits held in the window
	 * @param untilOldestLeaves when the oldest permit leaves the window (zero if none)
	 * @param callers the callers that asked in the window, by name
	 */
	public record View(int limit, Duration period, int used, Duration untilOldestLeaves,
			Map<String, CallerView> callers) {

		/**
		 * The view of a budget from its parts (the in-memory state, or what Redis holds).
		 * @param usedByCaller permits held in the window, by caller
		 * @param active the callers that asked in the window, with their claims
		 */
		public static View of(int limit, Duration period, int used, Duration untilOldestLeaves,
				Map<String, Integer> usedByCaller, Map<String, Claim> active) {
			long weights = 0;
			for (Claim claim : active.values()) {
				weights += claim.weight();
			}
			Map<String, CallerView> callers = new HashMap<>();
			for (Map.Entry<String, Claim> entry : active.entrySet()) {
				Claim claim = entry.getValue();
				callers.put(entry.getKey(), new CallerView(claim.weight(), claim.maxLinks(),
						(double) limit * claim.weight() / weights, usedByCaller.getOrDefault(entry.getKey(), 0)));
			}
			return new View(limit, period, used, untilOldestLeaves, Map.copyOf(callers));
		}

	}

	/**
	 * One active caller's part of the budget now.
	 *
	 * @param weight its weight
	 * @param maxLinks its cap, 0 for none
	 * @param share its fair share among the active callers (permits in the window)
	 * @param used permits it holds in the window
	 */
	public record CallerView(int weight, int maxLinks, double share, int used) {
	}

	private record Grant(long at, String caller) {
	}

	private static final class Activity {

		int weight = 1;

		int maxLinks;

		long lastAsked;

		int used;

	}

}
