package dev.portalgateway.system;

import org.springframework.web.server.WebFilter;

/**
 * A web filter named by its class's simple name, made once.
 * <p>
 * Spring's filter chain names each filter on every request (a Reactor checkpoint, with
 * the filter's {@code toString()}): {@code Object}'s would format the class name and the
 * identity hash for each filter of each request, a few percent of a cached icon's CPU
 * (bench/RESULTS.md, 2026-12-01 fourth session).
 */
public abstract class NamedWebFilter implements WebFilter {

	private final String name = getClass().getSimpleName();

	@Override
	public final String toString() {
		return this.name;
	}

}
