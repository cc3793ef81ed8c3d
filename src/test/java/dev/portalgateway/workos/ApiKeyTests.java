package dev.portalgateway.workos;

import dev.portalgateway.system.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ApiKeyTests {

	@Test
	void toleratesSurroundingWhitespaceFromSecretFiles() {
		assertThat(new ApiKey(" sk_test_abc123\n").reveal()).isEqualTo("sk_test_abc123");
	}

	@Test
	void neverPrintsTheKey() {
		ApiKey key = new ApiKey("sk_live_FAKEkey");
		assertThat(key.toString()).startsWith("sk_live_****(").doesNotContain("FAKEkey");
		assertThat(key.fingerprint()).hasSize(8).isEqualTo(Sha256.hex("sk_live_FAKEkey").substring(0, 8));
		assertThat(key.reveal()).isEqualTo("sk_live_FAKEkey");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "pk_test_abc", "sk_prod_abc", "sk_test_", "sk_test_abc def", "sk_test_abc\tdef" })
	void rejectsKeysOfTheWrongShapeWithoutEchoingThem(String value) {
		assertThatIllegalArgumentException().isThrownBy(() -> new ApiKey(value)).withMessageNotContaining("abc");
	}

}
