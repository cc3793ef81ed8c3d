/**
 * Cross-cutting web concerns: problem details, request ids, API docs, startup failure
 * reports.
 */
@NullMarked
package dev.portalgateway.system;

import org.jspecify.annotations.NullMarked;
