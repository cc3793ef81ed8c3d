/**
 * Keeping all calls to WorkOS inside its limits: per-key quotas and the key's cool-down.
 */
@NullMarked
package dev.portalgateway.ratelimit;

import org.jspecify.annotations.NullMarked;
