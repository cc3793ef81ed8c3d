/**
 * Who is calling and what they may do: tokens, policies, the audit log.
 */
@NullMarked
package dev.portalgateway.caller;

import org.jspecify.annotations.NullMarked;
