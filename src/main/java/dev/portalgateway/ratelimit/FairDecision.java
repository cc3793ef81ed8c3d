package dev.portalgateway.ratelimit;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One answer of the fair share of the link budget in Redis ({@code fair-share.lua}).
 *
 * @param decision the budget's answer
 * @param verdict granted, or why not
 * @param share the caller's share in whole permits
 * @param used permits the caller holds in the window
 */
record FairDecision(StoreDecision decision, FairShare.Verdict verdict, int share, int used) {

	/** The script's verdict codes, in order. */
	private static final FairShare.Verdict[] VERDICTS = { FairShare.Verdict.GRANTED, FairShare.Verdict.OVER_SHARE,
			FairShare.Verdict.OVER_CAP, FairShare.Verdict.BUDGET_IN_USE };

	/** A plain log's answer: granted, or the budget in use. */
	static FairDecision of(StoreDecision decision) {
		return new FairDecision(decision,
				decision.granted() ? FairShare.Verdict.GRANTED : FairShare.Verdict.BUDGET_IN_USE, 0, 0);
	}

	/**
	 * From the script's answer: the log's four values, then {@code [verdict, share,
	 * used]}.
	 */
	static FairDecision read(int limit, List<Long> answer) {
		return new FairDecision(StoreDecision.read(limit, answer), VERDICTS[answer.get(4).intValue()],
				answer.get(5).intValue(), answer.get(6).intValue());
	}

	/**
	 * The fair share as {@code fair-share-view.lua} reads it: {@code [now, log, asked,
	 * claims]}.
	 */
	@SuppressWarnings("unchecked")
	static FairShare.View view(int limit, Duration window, List<Object> answer) {
		long now = (Long) answer.get(0);
		List<Object> log = (List<Object>) answer.get(1);
		List<Object> asked = (List<Object>) answer.get(2);
		List<Object> claims = (List<Object>) answer.get(3);
		Map<String, Integer> used = new HashMap<>();
		for (int i = 0; i < log.size(); i += 2) {
			String member = String.valueOf(log.get(i));
			used.merge(member.substring(member.indexOf('|') + 1), 1, Integer::sum);
		}
		Map<String, String> claimed = new HashMap<>();
		for (int i = 0; i + 1 < claims.size(); i += 2) {
			claimed.put(String.valueOf(claims.get(i)), String.valueOf(claims.get(i + 1)));
		}
		Map<String, FairShare.Claim> active = new HashMap<>();
		for (int i = 0; i < asked.size(); i += 2) {
			String caller = String.valueOf(asked.get(i));
			String[] claim = claimed.getOrDefault(caller, "1:0").split(":");
			active.put(caller, new FairShare.Claim(Integer.parseInt(claim[0]), Integer.parseInt(claim[1]),
					(long) Double.parseDouble(String.valueOf(asked.get(i + 1)))));
		}
		long oldest = log.isEmpty() ? now : (long) Double.parseDouble(String.valueOf(log.get(1)));
		return FairShare.View.of(limit, window, log.size() / 2,
				Duration.ofMillis(log.isEmpty() ? 0 : oldest + window.toMillis() - now), used, active);
	}

}
