package dev.portalgateway.system;

/**
 * A setting that binds but cannot be used, found while the beans are made (for example a
 * name that refers to something missing). Its message names the property and the rule,
 * never the value; startup reports it as one {@code Invalid configuration:} line, as it
 * does binding failures.
 */
public class InvalidConfigurationException extends RuntimeException {

	public InvalidConfigurationException(String message) {
		super(message);
	}

	/** Reports it as a binding failure is reported. */
	static class Analyzer
			extends org.springframework.boot.diagnostics.AbstractFailureAnalyzer<InvalidConfigurationException>
			implements org.springframework.core.Ordered {

		@Override
		public int getOrder() {
			return org.springframework.core.Ordered.HIGHEST_PRECEDENCE;
		}

		@Override
		protected org.springframework.boot.diagnostics.FailureAnalysis analyze(Throwable rootFailure,
				InvalidConfigurationException cause) {
			return new org.springframework.boot.diagnostics.FailureAnalysis(
					"Invalid configuration: " + cause.getMessage(),
					"Fix the property named above (see README, Configuration) and restart.", cause);
		}

	}

}
