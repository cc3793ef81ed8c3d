package dev.portalgateway.caller;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.portalgateway.workos.Intent;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The callers the gateway knows and what each may do, under {@code gateway.callers[i]}.
 *
 * @param callers one entry per calling service
 */
@Validated
@ConfigurationProperties("gateway")
public record CallerProperties(@DefaultValue @Valid List<Policy> callers) {

	public CallerProperties {
		Set<String> names = new HashSet<>();
		Set<String> hashes = new HashSet<>();
		for (int i = 0; i < callers.size(); i++) {
			Policy policy = callers.get(i);
			if (policy.name() != null && !names.add(policy.name())) {
				throw new IllegalArgumentException("gateway.callers[" + i + "].name repeats an earlier caller's name");
			}
			if (policy.tokenSha256() != null && !hashes.add(policy.tokenSha256().toLowerCase(java.util.Locale.ROOT))) {
				throw new IllegalArgumentException(
						"gateway.callers[" + i + "].token-sha256 repeats an earlier caller's token hash");
			}
		}
	}

	/**
	 * One calling service.
	 *
	 * @param name a short name for audit lines and metrics, e.g. {@code billing-api}
	 * @param tokenSha256 hex SHA-256 of the caller's bearer token (never the token
	 * itself)
	 * @param intents the intents this caller may request
	 * @param returnUrlHosts hosts the caller may use in return/success URLs: exact, or
	 * {@code *.example.com} for any subdomain of example.com
	 */
	public record Policy(
			@NotNull @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,62}",
					message = "must be 1-63 letters, digits, '.', '_' or '-'") String name,
			@NotNull @Pattern(regexp = "[0-9a-fA-F]{64}",
					message = "must be the 64 hex characters of the token's SHA-256") String tokenSha256,
			@NotEmpty Set<Intent> intents,
			@DefaultValue List<@Pattern(
					regexp = "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*",
					message = "must be a host name, or *. followed by a host name") String> returnUrlHosts) {
	}

}
