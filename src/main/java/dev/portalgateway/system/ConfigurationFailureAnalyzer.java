package dev.portalgateway.system;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports a bad configuration property as one line naming the property and the rule it
 * breaks, <em>without its value</em>: Boot's own report prints the value, and the value
 * may be the WorkOS key or a caller's token hash.
 */
class ConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

	private static final Pattern NO_ENUM_CONSTANT = Pattern.compile("No enum constant ([\\w.$]+)\\.\\w+");

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
		String reason = unknownEnumValue(cause);
		if (reason == null) {
			reason = deepestMessage(cause);
		}
		return (reason.startsWith("gateway.") || reason.startsWith(property)) ? reason : property + " " + reason;
	}

	/**
	 * Enum binding failures name the Java class; say which values are allowed instead.
	 */
	private static @Nullable String unknownEnumValue(Throwable failure) {
		for (Throwable cause = failure; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
			Matcher matcher = (cause.getMessage() != null) ? NO_ENUM_CONSTANT.matcher(cause.getMessage()) : null;
			if (matcher != null && matcher.find()) {
				Class<?> type = enumType(matcher.group(1));
				Object[] constants = (type != null) ? type.getEnumConstants() : null;
				if (constants == null) {
					return "has an unknown value";
				}
				return "has an unknown value; allowed: " + Arrays.stream(constants)
					.map(Object::toString)
					.map((name) -> name.toLowerCase(Locale.ROOT))
					.collect(Collectors.joining(", "));
			}
		}
		return null;
	}

	/**
	 * The enum named in a message, whose nested types are spelled with dots
	 * ({@code RateLimitProperties.Store}), not the binary name's {@code $}.
	 */
	private static @Nullable Class<?> enumType(String name) {
		for (String candidate = name; candidate.indexOf('.') > 0; candidate = candidate.substring(0,
				candidate.lastIndexOf('.')) + "$" + candidate.substring(candidate.lastIndexOf('.') + 1)) {
			try {
				return Class.forName(candidate);
			}
			catch (ClassNotFoundException ex) {
				// try the next spelling
			}
		}
		return null;
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
