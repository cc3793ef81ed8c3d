package dev.portalgateway.portallink;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.GatewayProblem.FieldError;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.system.SecureUrls;
import dev.portalgateway.workos.GenerateLinkCommand;
import dev.portalgateway.portal.Intent;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads and validates the body of {@code POST /v1/portal-links}, or of WorkOS's own
 * {@code POST /portal/generate_link} (the same fields, {@code intent} optional, and the
 * Node SDK's {@code admin_emails} for {@code it_contact_emails}), collecting every
 * problem so a caller sees all its mistakes at once.
 * <p>
 * The body is read as a JSON tree rather than bound to a class so that unknown fields,
 * duplicate keys and wrong types are each reported by field name. Error messages never
 * echo the caller's values.
 * <p>
 * About 280 lines, one rule per field: split by field, the one list of problems a caller
 * gets back would be gathered from several places.
 */
final class PortalLinkRequestParser {

	static final int MAX_EMAILS = 20;

	static final int MAX_URL_LENGTH = 2048;

	private static final List<String> FIELDS = List.of("organization", "intent", "return_url", "success_url",
			"intent_options", "it_contact_emails");

	/** WorkOS's body also comes with the Node SDK's name for the contact list. */
	private static final List<String> WORKOS_FIELDS = List.of("organization", "intent", "return_url", "success_url",
			"intent_options", "it_contact_emails", "admin_emails");

	private static final Pattern ORGANIZATION = Pattern.compile("org_[A-Za-z0-9]{1,64}");

	/** The WHATWG "valid e-mail address" grammar, with a dot required in the domain. */
	private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
			+ "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+");

	/**
	 * Bounds the errors list and the echoed unknown field names a hostile body can
	 * produce.
	 */
	private static final int MAX_ERRORS = 20;

	private final JsonMapper mapper = JsonMapper.builder()
		.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
		.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
		.build();

	private final boolean workOsFormat;

	private final List<String> fields;

	/**
	 * @param workOsFormat read WorkOS's wire format (intent optional,
	 * {@code admin_emails} accepted) rather than the gateway's
	 */
	PortalLinkRequestParser(boolean workOsFormat) {
		this.workOsFormat = workOsFormat;
		this.fields = workOsFormat ? WORKOS_FIELDS : FIELDS;
		// Jackson builds its tree deserializer on first use under a lock; doing that
		// here, at startup, keeps the first burst of requests from contending for it on
		// event loops.
		this.mapper.readTree("{}");
	}

	GenerateLinkCommand parse(byte[] body) {
		JsonNode root = readTree(body);
		Errors errors = new Errors();
		for (String name : root.propertyNames()) {
			if (!this.fields.contains(name)) {
				errors.add(ProblemCode.INVALID_REQUEST, shorten(name),
						"unknown field; expected one of " + String.join(", ", this.fields));
			}
		}
		if (this.workOsFormat) {
			// Some SDKs (workos-go) send "" for an option left unset; WorkOS reads it as
			// absent.
			for (String optional : List.of("intent", "return_url", "success_url")) {
				JsonNode value = root.get(optional);
				if (value != null && value.isString() && value.stringValue().isEmpty()) {
					((ObjectNode) root).remove(optional);
				}
			}
		}
		String organization = organization(root, errors);
		Intent intent = intent(root, !this.workOsFormat, errors);
		URI returnUrl = url(root, "return_url", errors);
		URI successUrl = url(root, "success_url", errors);
		ObjectNode intentOptions = intentOptions(root, errors);
		String emailField = (root.has("admin_emails") && !root.has("it_contact_emails")) ? "admin_emails"
				: "it_contact_emails";
		List<String> emails = emails(root, emailField, errors);
		errors.throwIfAny();
		return new GenerateLinkCommand(organization, intent, returnUrl, successUrl, intentOptions, emails);
	}

	private JsonNode readTree(byte[] body) {
		JsonNode root;
		try {
			root = (body.length > 0) ? this.mapper.readTree(body) : null;
		}
		catch (JacksonException ex) {
			root = null;
		}
		if (root == null || !root.isObject()) {
			throw new GatewayProblem(ProblemCode.INVALID_REQUEST, "The body must be a JSON object.")
				.withErrors(List.of(new FieldError("body", "must be a single JSON object without duplicate keys")));
		}
		return root;
	}

	private static @Nullable String organization(JsonNode root, Errors errors) {
		String value = requiredString(root, "organization", errors);
		if (value != null && !ORGANIZATION.matcher(value).matches()) {
			errors.add(ProblemCode.INVALID_REQUEST, "organization", "must be org_ followed by 1-64 letters or digits");
			return null;
		}
		return value;
	}

	private static @Nullable Intent intent(JsonNode root, boolean required, Errors errors) {
		if (!required && (root.get("intent") == null || root.get("intent").isNull())) {
			return null;
		}
		String value = requiredString(root, "intent", errors);
		if (value == null) {
			return null;
		}
		Intent intent = Intent.fromValue(value).orElse(null);
		if (intent == null) {
			errors.add(ProblemCode.INVALID_INTENT, "intent", "must be one of sso, dsync, audit_logs, log_streams, "
					+ "domain_verification, certificate_renewal, bring_your_own_key");
		}
		return intent;
	}

	private static @Nullable URI url(JsonNode root, String field, Errors errors) {
		JsonNode node = root.get(field);
		if (node == null || node.isNull()) {
			return null;
		}
		if (!node.isString()) {
			errors.add(ProblemCode.INVALID_REQUEST, field, "must be a string");
			return null;
		}
		String value = node.stringValue();
		if (value.length() > MAX_URL_LENGTH) {
			errors.add(ProblemCode.INVALID_URL, field, "must be at most " + MAX_URL_LENGTH + " characters");
			return null;
		}
		URI uri;
		try {
			uri = new URI(value);
		}
		catch (URISyntaxException ex) {
			errors.add(ProblemCode.INVALID_URL, field, "must be a well-formed absolute URL");
			return null;
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		String host = (uri.getHost() != null) ? uri.getHost().toLowerCase(Locale.ROOT) : null;
		if (!uri.isAbsolute() || host == null || host.isEmpty()) {
			errors.add(ProblemCode.INVALID_URL, field, "must be an absolute URL with a host");
		}
		else if (uri.getRawUserInfo() != null) {
			// https://trusted.example@evil.example would pass a careless host check.
			errors.add(ProblemCode.INVALID_URL, field, "must not contain user info");
		}
		else if (!scheme.equals("https") && !(scheme.equals("http") && SecureUrls.isLoopback(uri))) {
			errors.add(ProblemCode.INVALID_URL, field, "must use https (http only for localhost)");
		}
		else {
			return uri;
		}
		return null;
	}

	private static @Nullable ObjectNode intentOptions(JsonNode root, Errors errors) {
		JsonNode node = root.get("intent_options");
		if (node == null || node.isNull()) {
			return null;
		}
		if (!node.isObject()) {
			errors.add(ProblemCode.INVALID_REQUEST, "intent_options", "must be a JSON object");
			return null;
		}
		return (ObjectNode) node;
	}

	private static @Nullable List<String> emails(JsonNode root, String field, Errors errors) {
		JsonNode node = root.get(field);
		if (node == null || node.isNull()) {
			return null;
		}
		if (!node.isArray()) {
			errors.add(ProblemCode.INVALID_REQUEST, field, "must be an array of e-mail addresses");
			return null;
		}
		if (node.size() > MAX_EMAILS) {
			errors.add(ProblemCode.INVALID_REQUEST, field, "must hold at most " + MAX_EMAILS + " addresses");
			return null;
		}
		List<String> emails = new ArrayList<>(node.size());
		for (int i = 0; i < node.size(); i++) {
			JsonNode element = node.get(i);
			if (!element.isString() || element.stringValue().length() > 254
					|| !EMAIL.matcher(element.stringValue()).matches()) {
				errors.add(ProblemCode.INVALID_REQUEST, field + "[" + i + "]", "must be a valid e-mail address");
			}
			else {
				emails.add(element.stringValue());
			}
		}
		return emails;
	}

	private static @Nullable String requiredString(JsonNode root, String field, Errors errors) {
		JsonNode node = root.get(field);
		if (node == null || node.isNull()) {
			errors.add(ProblemCode.INVALID_REQUEST, field, "is required");
			return null;
		}
		if (!node.isString()) {
			errors.add(ProblemCode.INVALID_REQUEST, field, "must be a string");
			return null;
		}
		return node.stringValue();
	}

	private static String shorten(String name) {
		String printable = name.replaceAll("\\p{Cntrl}", "?");
		return (printable.length() > 64) ? printable.substring(0, 64) + "…" : printable;
	}

	/**
	 * Field errors collected so far; the most basic kind of error decides the answer's
	 * code.
	 */
	private static final class Errors {

		private final List<FieldError> errors = new ArrayList<>();

		private final EnumSet<ProblemCode> codes = EnumSet.noneOf(ProblemCode.class);

		void add(ProblemCode code, String field, String message) {
			this.codes.add(code);
			if (this.errors.size() < MAX_ERRORS) {
				this.errors.add(new FieldError(field, message));
			}
		}

		void throwIfAny() {
			if (this.errors.isEmpty()) {
				return;
			}
			// ProblemCode declares invalid_request before invalid_intent and invalid_url:
			// a malformed request is reported as such even if its intent is wrong too.
			ProblemCode code = this.codes.iterator().next();
			String fields = String.join(", ", this.errors.stream().map(FieldError::field).distinct().toList());
			throw new GatewayProblem(code, "Invalid field(s): " + fields + ".").withErrors(this.errors);
		}

	}

}
