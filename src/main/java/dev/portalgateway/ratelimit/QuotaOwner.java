package dev.portalgateway.ratelimit;

/**
 * Whose budget the quotas count: WorkOS limits per API key, so every quota, log and
 * cool-down is named by the key's fingerprint (never the key). The WorkOS configuration
 * provides it; the rate limits know nothing else of the key.
 *
 * @param keyFingerprint the first hex digits of the key's SHA-256
 */
public record QuotaOwner(String keyFingerprint) {
}
