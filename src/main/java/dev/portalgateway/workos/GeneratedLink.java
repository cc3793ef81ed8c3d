package dev.portalgateway.workos;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * An Admin Portal link as WorkOS issued it. The link is a bearer credential: it goes to
 * the caller and nowhere else, so {@code toString()} leaves it out.
 *
 * @param link the one-time portal URL
 * @param issuedAt when WorkOS answered; the link expires {@link #VALIDITY} later
 * @param upstreamRequestId WorkOS's {@code X-Request-ID}, if it sent one
 */
public record GeneratedLink(String link, Instant issuedAt, @Nullable String upstreamRequestId) {

	/** How long WorkOS keeps a portal link valid. */
	public static final java.time.Duration VALIDITY = java.time.Duration.ofMinutes(5);

	public Instant expiresAt() {
		return this.issuedAt.plus(VALIDITY);
	}

	@Override
	public String toString() {
		return "GeneratedLink[link=****, issuedAt=" + this.issuedAt + ", upstreamRequestId=" + this.upstreamRequestId
				+ "]";
	}

}
