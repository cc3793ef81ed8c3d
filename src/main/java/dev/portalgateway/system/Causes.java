package dev.portalgateway.system;

import java.util.function.Predicate;

/**
 * Walks a failure's cause chain (a self-referencing cause ends it): the one walk that the
 * WorkOS client, the JWT verifier and the problem mapping share.
 */
public final class Causes {

	private Causes() {
	}

	/** Whether the failure or any of its causes matches {@code test}. */
	public static boolean anyMatch(Throwable failure, Predicate<Throwable> test) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (test.test(cause)) {
				return true;
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return false;
	}

	/** Whether the failure or any of its causes is one of {@code types}. */
	@SafeVarargs
	public static boolean hasCause(Throwable failure, Class<? extends Throwable>... types) {
		return anyMatch(failure, (cause) -> {
			for (Class<? extends Throwable> type : types) {
				if (type.isInstance(cause)) {
					return true;
				}
			}
			return false;
		});
	}

}
