package dev.portalgateway.workos;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IdempotencyKeysTests {

	private final IdempotencyKeys keys = new IdempotencyKeys(new ApiKey("sk_test_one0001"));

	@Test
	void twoCallersNeverShareAKey() {
		assertThat(this.keys.scoped("billing", "key-1")).isNotEqualTo(this.keys.scoped("auditor", "key-1"));
		// The separator keeps name and key apart.
		assertThat(this.keys.scoped("ab", "c")).isNotEqualTo(this.keys.scoped("a", "bc"));
	}

	@Test
	void aCallersKeyIsTheSameEveryTimeAndOnEveryReplica() {
		IdempotencyKeys otherReplica = new IdempotencyKeys(new ApiKey("sk_test_one0001"));
		assertThat(this.keys.scoped("billing", "key-1")).isEqualTo(this.keys.scoped("billing", "key-1"))
			.isEqualTo(otherReplica.scoped("billing", "key-1"))
			.matches("pgw1_[A-Za-z0-9_-]{43}")
			.doesNotContain("key-1");
	}

	@Test
	void dependsOnTheWorkOsKey() {
		IdempotencyKeys otherKey = new IdempotencyKeys(new ApiKey("sk_test_two0002"));
		assertThat(otherKey.scoped("billing", "key-1")).isNotEqualTo(this.keys.scoped("billing", "key-1"));
	}

}
