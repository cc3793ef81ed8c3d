package dev.portalgateway.system;

import org.springframework.http.HttpStatus;

/**
 * The stable problem codes of the gateway's API; callers branch on these, so never rename
 * one.
 */
public enum ProblemCode {

	INVALID_REQUEST(HttpStatus.BAD_REQUEST, "Invalid request"),

	INVALID_INTENT(HttpStatus.UNPROCESSABLE_CONTENT, "Invalid intent"),

	INVALID_URL(HttpStatus.UNPROCESSABLE_CONTENT, "Invalid URL"),

	UNAUTHORIZED(HttpStatus.UNAUTHORIZED, "Unauthorized"),

	CALLER_NOT_ALLOWED(HttpStatus.FORBIDDEN, "Caller not allowed"),

	INTENT_NOT_ALLOWED(HttpStatus.FORBIDDEN, "Intent not allowed"),

	RETURN_URL_NOT_ALLOWED(HttpStatus.FORBIDDEN, "Return URL not allowed"),

	ORGANIZATION_NOT_ALLOWED(HttpStatus.FORBIDDEN, "Organization not allowed"),

	IT_CONTACT_EMAIL_NOT_ALLOWED(HttpStatus.FORBIDDEN, "IT contact e-mail not allowed"),

	NOT_FOUND(HttpStatus.NOT_FOUND, "Not found"),

	METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),

	NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),

	REQUEST_TIMEOUT(HttpStatus.REQUEST_TIMEOUT, "Request timeout"),

	PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "Payload too large"),

	URI_TOO_LONG(HttpStatus.URI_TOO_LONG, "Request line too long"),

	HEADERS_TOO_LARGE(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request headers too large"),

	UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),

	ORGANIZATION_NOT_FOUND(HttpStatus.NOT_FOUND, "Organization not found"),

	UPSTREAM_REJECTED(HttpStatus.UNPROCESSABLE_CONTENT, "Rejected by WorkOS"),

	RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS, "Rate limited"),

	CALLER_QUOTA_EXCEEDED(HttpStatus.TOO_MANY_REQUESTS, "Caller quota exceeded"),

	TOO_MANY_AUTH_FAILURES(HttpStatus.TOO_MANY_REQUESTS, "Too many failed authentications"),

	UPSTREAM_AUTH_FAILED(HttpStatus.BAD_GATEWAY, "WorkOS refused the gateway's credentials"),

	UPSTREAM_ERROR(HttpStatus.BAD_GATEWAY, "WorkOS error"),

	ICON_SOURCE_NOT_FOUND(HttpStatus.BAD_GATEWAY, "Icon source not found"),

	ICON_NOT_FOUND(HttpStatus.NOT_FOUND, "Icon not found"),

	UPSTREAM_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "WorkOS unavailable"),

	AUTH_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Caller verification unavailable"),

	UPSTREAM_TIMEOUT(HttpStatus.GATEWAY_TIMEOUT, "WorkOS timeout"),

	INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error");

	/** Prefix of every problem {@code type} URI; the code completes it. */
	public static final String TYPE_PREFIX = "urn:portal-gateway:problem:";

	private final HttpStatus status;

	private final String title;

	ProblemCode(HttpStatus status, String title) {
		this.status = status;
		this.title = title;
	}

	public HttpStatus status() {
		return this.status;
	}

	public String title() {
		return this.title;
	}

	/** The wire form, e.g. {@code invalid_request}. */
	public String code() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}
