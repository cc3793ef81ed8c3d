/**
 * Keeping all calls to WorkOS inside its limits: per-key quotas, the fair share of the
 * link budget among callers and the key's cool-down, each held in this replica or, with
 * {@code gateway.rate-limit.store=redis}, in Redis (standalone, Sentinel or Cluster) so
 * that all replicas share one budget. It owns its configuration ({@code
 * RateLimitConfiguration}) and imports only {@code system}.
 */
@NullMarked
package dev.portalgateway.ratelimit;

import org.jspecify.annotations.NullMarked;
