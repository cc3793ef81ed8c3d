package dev.portalgateway.system;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class RequestIdsTests {

	@Test
	void keepsWellFormedIds() {
		assertThat(RequestIds.wellFormedOrNew("req-123_abc.DEF:9")).isEqualTo("req-123_abc.DEF:9");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "has space", "line\nbreak", "quote\"", "ünïcode" })
	void replacesIdsThatCouldInjectIntoHeadersOrLogs(String id) {
		assertThat(RequestIds.wellFormedOrNew(id)).isNotEqualTo(id).matches("[0-9a-f-]{36}");
		assertThat(RequestIds.wellFormedOrNull(id)).isNull();
	}

	@Test
	void replacesOverlongIds() {
		assertThat(RequestIds.wellFormedOrNew("a".repeat(128))).isEqualTo("a".repeat(128));
		assertThat(RequestIds.wellFormedOrNew("a".repeat(129))).matches("[0-9a-f-]{36}");
	}

}
