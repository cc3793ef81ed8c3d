package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.List;

/**
 * One answer of a shared log in Redis ({@code sliding-window.lua}, and the budget part of
 * {@code fair-share.lua}).
 *
 * @param granted whether the call may go ahead
 * @param limit permits per window
 * @param remaining permits left in the current window
 * @param reset when the oldest call leaves the window (a permit frees up)
 * @param admittedAt Redis's time (epoch ms) when the permit was admitted, or of the
 * answer when none was
 */
record StoreDecision(boolean granted, int limit, int remaining, Duration reset, long admittedAt) {

	/** From the script's answer: {@code [granted, remaining, reset ms, admitted at]}. */
	static StoreDecision read(int limit, List<Long> answer) {
		return new StoreDecision(answer.get(0) == 1, limit, answer.get(1).intValue(), Duration.ofMillis(answer.get(2)),
				answer.get(3));
	}

}
