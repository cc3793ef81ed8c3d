package dev.portalgateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;

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
	}

	/**
	 * The request was deliberately invalid: only the response must match the contract.
	 */
	public static void assertResponseMatches(ExchangeResult result) {
		Request request = request(result);
		ValidationReport report = validator.validateResponse(request.getPath(), request.getMethod(), response(result));
		assertThat(report.getMessages()).as("OpenAPI contract violations").isEmpty();
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
