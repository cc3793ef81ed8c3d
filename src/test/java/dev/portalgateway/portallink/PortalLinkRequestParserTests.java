package dev.portalgateway.portallink;

import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.portalgateway.system.GatewayProblem;
import dev.portalgateway.system.ProblemCode;
import dev.portalgateway.workos.GenerateLinkCommand;
import dev.portalgateway.portal.Intent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PortalLinkRequestParserTests {

	private final PortalLinkRequestParser parser = new PortalLinkRequestParser(false);

	@Test
	void readsEveryField() {
		GenerateLinkCommand command = parse("""
				{"organization":"org_01H1234567890ABCDEFGHIJK","intent":"domain_verification",
				 "return_url":"https://app.example.com/back","success_url":"http://localhost:3000/done",
				 "intent_options":{"domain_verification":{"domain_name":"example.com"}},
				 "it_contact_emails":["it@example.com","a.b+c@sub.example.org"]}""");
		assertThat(command.organization()).isEqualTo("org_01H1234567890ABCDEFGHIJK");
		assertThat(command.intent()).isEqualTo(Intent.DOMAIN_VERIFICATION);
		assertThat(command.returnUrl()).hasToString("https://app.example.com/back");
		assertThat(command.successUrl()).hasToString("http://localhost:3000/done");
		assertThat(command.intentOptions().toString()).contains("domain_name");
		assertThat(command.itContactEmails()).containsExactly("it@example.com", "a.b+c@sub.example.org");
	}

	@Test
	void treatsNullOptionalFieldsAsAbsent() {
		GenerateLinkCommand command = parse("""
				{"organization":"org_1","intent":"sso","return_url":null,"success_url":null,
				 "intent_options":null,"it_contact_emails":null}""");
		assertThat(command.returnUrl()).isNull();
		assertThat(command.intentOptions()).isNull();
		assertThat(command.itContactEmails()).isNull();
	}

	@Test
	void rejectsUnknownFieldByName() {
		GatewayProblem problem = problem("{\"organization\":\"org_1\",\"intent\":\"sso\",\"returnUrl\":\"x\"}");
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_REQUEST);
		assertThat(errors(problem)).contains("returnUrl: unknown field");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "not json", "[]", "\"org_1\"", "{\"organization\":\"org_1\"} {}",
			"{\"organization\":\"org_1\",\"organization\":\"org_2\",\"intent\":\"sso\"}" })
	void rejectsBodiesThatAreNotOneJsonObject(String body) {
		GatewayProblem problem = problem(body);
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_REQUEST);
		assertThat(errors(problem)).startsWith("body: ");
	}

	@ParameterizedTest
	@ValueSource(strings = { "org_", "org-123", "ORG_123",
			"org_12345678901234567890123456789012345678901234567890123456789012345", "org_abc def", "org_abc\\n" })
	void rejectsMalformedOrganizationIds(String organization) {
		GatewayProblem problem = problem("{\"organization\":\"" + organization + "\",\"intent\":\"sso\"}");
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_REQUEST);
		assertThat(errors(problem)).startsWith("organization: must be org_");
	}

	@Test
	void requiresOrganizationAndIntent() {
		GatewayProblem problem = problem("{}");
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_REQUEST);
		assertThat(errors(problem)).isEqualTo("organization: is required | intent: is required");
	}

	@Test
	void rejectsWrongTypesAsInvalidRequest() {
		GatewayProblem problem = problem(
				"{\"organization\":1,\"intent\":[\"sso\"],\"return_url\":5,\"intent_options\":\"x\",\"it_contact_emails\":\"a@b.co\"}");
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_REQUEST);
		assertThat(errors(problem)).contains("organization: must be a string", "intent: must be a string",
				"return_url: must be a string", "intent_options: must be a JSON object",
				"it_contact_emails: must be an array");
	}

	@ParameterizedTest
	@ValueSource(strings = { "SSO", "saml", "", "sso " })
	void rejectsUnknownIntentWith422(String intent) {
		GatewayProblem problem = problem("{\"organization\":\"org_1\",\"intent\":\"" + intent + "\"}");
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_INTENT);
		assertThat(problem.getStatusCode().value()).isEqualTo(422);
		assertThat(errors(problem)).startsWith("intent: must be one of");
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://app.example.com/x", "ftp://app.example.com", "/relative", "app.example.com",
			"https://trusted.example.com@evil.example.net/", "https:///nohost", "https://exa mple.com",
			"javascript:alert(1)", "https://under_score.example.com/" })
	void rejectsUrlsThatAreNotAbsoluteHttpsWith422(String url) {
		GatewayProblem problem = problem(
				"{\"organization\":\"org_1\",\"intent\":\"sso\",\"return_url\":\"" + url + "\"}");
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_URL);
		assertThat(errors(problem)).startsWith("return_url: ");
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://localhost:3000/back", "http://127.0.0.1/x", "http://[::1]:8080/",
			"HTTPS://APP.EXAMPLE.COM/Path?q=1#frag" })
	void acceptsHttpsAndLoopbackHttp(String url) {
		assertThat(
				parse("{\"organization\":\"org_1\",\"intent\":\"sso\",\"success_url\":\"" + url + "\"}").successUrl())
			.hasToString(url);
	}

	@Test
	void rejectsUrlsLongerThan2048Characters() {
		String url = "https://app.example.com/" + "a".repeat(2048 - 24 + 1);
		GatewayProblem problem = problem(
				"{\"organization\":\"org_1\",\"intent\":\"sso\",\"return_url\":\"" + url + "\"}");
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_URL);
		assertThat(errors(problem)).isEqualTo("return_url: must be at most 2048 characters");
	}

	@Test
	void acceptsUrlsOfExactly2048Characters() {
		String url = "https://app.example.com/" + "a".repeat(2048 - 24);
		assertThat(parse("{\"organization\":\"org_1\",\"intent\":\"sso\",\"return_url\":\"" + url + "\"}").returnUrl())
			.hasToString(url);
	}

	@Test
	void rejectsMoreThanTwentyEmails() {
		String emails = IntStream.range(0, 21)
			.mapToObj((i) -> "\"it" + i + "@example.com\"")
			.collect(Collectors.joining(","));
		GatewayProblem problem = problem(
				"{\"organization\":\"org_1\",\"intent\":\"sso\",\"it_contact_emails\":[" + emails + "]}");
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_REQUEST);
		assertThat(errors(problem)).isEqualTo("it_contact_emails: must hold at most 20 addresses");
	}

	@Test
	void acceptsTwentyEmails() {
		String emails = IntStream.range(0, 20)
			.mapToObj((i) -> "\"it" + i + "@example.com\"")
			.collect(Collectors.joining(","));
		assertThat(parse("{\"organization\":\"org_1\",\"intent\":\"sso\",\"it_contact_emails\":[" + emails + "]}")
			.itContactEmails()).hasSize(20);
	}

	@Test
	void namesEachInvalidEmailByIndex() {
		GatewayProblem problem = problem(
				"{\"organization\":\"org_1\",\"intent\":\"sso\",\"it_contact_emails\":[\"ok@example.com\",\"nope\",3,\"a@b\"]}");
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_REQUEST);
		assertThat(errors(problem)).isEqualTo("it_contact_emails[1]: must be a valid e-mail address"
				+ " | it_contact_emails[2]: must be a valid e-mail address"
				+ " | it_contact_emails[3]: must be a valid e-mail address");
	}

	@Test
	void reportsMalformedRequestBeforeIntentAndUrlButListsAllErrors() {
		GatewayProblem problem = problem(
				"{\"organization\":\"bad\",\"intent\":\"nope\",\"return_url\":\"http://evil.example\"}");
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_REQUEST);
		assertThat(errors(problem)).contains("organization:", "intent:", "return_url:");
	}

	@Test
	void reportsIntentBeforeUrl() {
		GatewayProblem problem = problem(
				"{\"organization\":\"org_1\",\"intent\":\"nope\",\"return_url\":\"http://evil.example\"}");
		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_INTENT);
	}

	@Test
	void boundsTheErrorsAHostileBodyCanProduce() {
		String fields = IntStream.range(0, 500)
			.mapToObj((i) -> "\"" + "x".repeat(100) + i + "\":1")
			.collect(Collectors.joining(","));
		GatewayProblem problem = problem("{" + fields + "}");
		java.util.List<?> errors = (java.util.List<?>) problem.getBody().getProperties().get("errors");
		assertThat(errors).hasSize(20);
		assertThat(errors.get(0).toString()).contains("x".repeat(64) + "…").doesNotContain("x".repeat(65));
	}

	@Test
	void readsWorkOsFormatWithOptionalIntentAndTheNodeSdksEmailField() {
		PortalLinkRequestParser workOs = new PortalLinkRequestParser(true);
		GenerateLinkCommand command = workOs.parse("""
				{"organization":"org_1","admin_emails":["it@example.com"]}""".getBytes(StandardCharsets.UTF_8));
		assertThat(command.intent()).isNull();
		assertThat(command.itContactEmails()).containsExactly("it@example.com");
		// workos-go sends "" for options left unset.
		GenerateLinkCommand empty = workOs.parse("""
				{"organization":"org_1","intent":"","return_url":""}""".getBytes(StandardCharsets.UTF_8));
		assertThat(empty.intent()).isNull();
		assertThat(empty.returnUrl()).isNull();
		GatewayProblem unknown = catchThrowableOfType(GatewayProblem.class,
				() -> workOs.parse("{\"organization\":\"org_1\",\"portal\":1}".getBytes(StandardCharsets.UTF_8)));
		assertThat(errors(unknown)).contains("portal: unknown field");
	}

	@Test
	void keepsIntentRequiredAndEmptyStringsInvalidInTheGatewaysFormat() {
		assertThat(errors(problem("{\"organization\":\"org_1\",\"intent\":\"\"}"))).contains("intent: must be one of");
		assertThat(errors(problem("{\"organization\":\"org_1\",\"admin_emails\":[]}")))
			.contains("admin_emails: unknown field")
			.contains("intent: is required");
	}

	private GenerateLinkCommand parse(String json) {
		return this.parser.parse(json.getBytes(StandardCharsets.UTF_8));
	}

	private GatewayProblem problem(String json) {
		return catchThrowableOfType(GatewayProblem.class, () -> parse(json));
	}

	private static String errors(GatewayProblem problem) {
		return problem.errors()
			.stream()
			.map((error) -> error.field() + ": " + error.message())
			.collect(Collectors.joining(" | "));
	}

}
