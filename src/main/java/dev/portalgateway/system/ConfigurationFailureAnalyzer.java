package dev.portalgateway.system;

import java.util.stream.Collectors;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Reports a bad configuration property as one line naming the property and the rule it
 * breaks, <em>without its value</em>: Boot's own report prints the value, and the value
 * may be the WorkOS key or a caller's token hash.
 */
class ConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
		String property = cause.getName().toString();
		String line = "Invalid configuration: " + describe(property, cause);
		return new FailureAnalysis(line, "Fix the property named above (see README, Configuration) and restart.",
				cause);
	}

	static String describe(String property, BindException cause) {
		if (cause.getCause() instanceof BindValidationException validation) {
			return validation.getValidationErrors()
				.getAllErrors()
				.stream()
				.map((error) -> property + fieldSuffix(error) + " " + error.getDefaultMessage())
				.collect(Collectors.joining("; "));
		}
		String reason = deepestMessage(cause);
		return (reason.startsWith("gateway.") || reason.startsWith(property)) ? reason : property + " " + reason;
	}

	private static String fieldSuffix(ObjectError error) {
		if (!(error instanceof FieldError field)) {
			return "";
		}
		// apiKey -> api-key, callers[0].tokenSha256 -> callers[0].token-sha256
		return "." + field.getField().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
	}

	private static String deepestMessage(Throwable failure) {
		String message = null;
		for (Throwable cause = failure.getCause(); cause != null; cause = cause.getCause()) {
			if (cause.getMessage() != null && !(cause.getMessage().contains("Failed to convert"))) {
				message = cause.getMessage();
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return (message != null) ? message : "has an invalid value";
	}

}
