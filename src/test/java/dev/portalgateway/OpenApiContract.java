package dev.portalgateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.ExchangeResult;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks real requests and responses of the integration tests against the OpenAPI
 * document the gateway serves, so the contract and the code cannot drift apart.
 */
public final class OpenApiContract {

	/** Where the document lives on the classpath; the gateway serves the same file. */
	public static final String LOCATION = "openapi/portal-gateway.yaml";

	private static final OpenApiInteractionValidator validator = OpenApiInteractionValidator
		.createForInlineApiSpecification(document())
		.build();

	private static final String DOCUMENT_IRI = "https://portal-gateway.internal/openapi.json";

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
			(builder) -> builder.schemas(Map.of(DOCUMENT_IRI, json.writeValueAsString(new Yaml().load(document())))));

	private OpenApiContract() {
	}

	public static String document() {
		try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream(LOCATION)) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The request was valid: both it and the response must match the contract. */
	public static void assertInteractionMatches(ExchangeResult result) {
		ValidationReport report = validator.validate(request(result), response(result));
		assertThat(report.getMessages()).as("OpenAPI contract violations").isEmpty();
		if (result.getUrl().getPath().equals("/v1/portal-links")) {
			assertBodyMatches("PortalLinkRequest", result.getRequestBodyContent());
		}
		assertResponseBodyMatches(result);
	}

	/**
	 * The request was deliberately invalid: only the response must match the contract.
	 */
	public static void assertResponseMatches(ExchangeResult result) {
		Request request = request(result);
		ValidationReport report = validator.validateResponse(request.getPath(), request.getMethod(), response(result));
		assertThat(report.getMessages()).as("OpenAPI contract violations").isEmpty();
		assertResponseBodyMatches(result);
	}

	/**
	 * Checks a body against one of the document's component schemas, with JSON Schema
	 * 2020-12.
	 */
	public static void assertBodyMatches(String schemaName, byte[] body) {
		Schema schema = schemas.getSchema(SchemaLocation.of(DOCUMENT_IRI + "#/components/schemas/" + schemaName));
		List<Error> errors = schema.validate(json.readTree(body));
		assertThat(errors).as("body does not match schema " + schemaName).isEmpty();
	}

	private static void assertResponseBodyMatches(ExchangeResult result) {
		MediaType contentType = result.getResponseHeaders().getContentType();
		if (MediaType.APPLICATION_PROBLEM_JSON.equalsTypeAndSubtype(contentType)) {
			assertBodyMatches("Problem", result.getResponseBodyContent());
		}
		else if (result.getStatus().value() == 201 && result.getUrl().getPath().equals("/v1/portal-links")) {
			assertBodyMatches("PortalLink", result.getResponseBodyContent());
		}
		else if (result.getStatus().value() == 200 && result.getUrl().getPath().startsWith("/v1/provider-icons/")) {
			assertBodyMatches("ProviderIcon", result.getResponseBodyContent());
		}
		else if (result.getStatus().value() == 200 && result.getUrl().getPath().equals("/v1/provider-icons")) {
			json.readTree(result.getResponseBodyContent())
				.forEach((icon) -> assertBodyMatches("ProviderIcon", json.writeValueAsBytes(icon)));
		}
	}

	private static Request request(ExchangeResult result) {
		URI url = result.getUrl();
		SimpleRequest.Builder builder = new SimpleRequest.Builder(result.getMethod().name(), url.getRawPath());
		result.getRequestHeaders().forEach(builder::withHeader);
		byte[] body = result.getRequestBodyContent();
		if (body != null && body.length > 0) {
			builder.withBody(body);
		}
		return builder.build();
	}

	private static SimpleResponse response(ExchangeResult result) {
		SimpleResponse.Builder builder = SimpleResponse.Builder.status(result.getStatus().value());
		result.getResponseHeaders().forEach(builder::withHeader);
		byte[] body = result.getResponseBodyContent();
		if (body != null && body.length > 0) {
			builder.withBody(body);
		}
		return builder.build();
	}

}
