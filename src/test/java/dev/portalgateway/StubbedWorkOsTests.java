package dev.portalgateway;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.RepeatedTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link StubbedWorkOs} points the gateway at its context's WireMock and starts each test
 * with no stubs left by the one before.
 */
@SpringBootTest(properties = "management.server.port=0")
@StubbedWorkOs
class StubbedWorkOsTests {

	@Autowired
	WireMockServer workOs;

	@Value("${gateway.workos.base-url}")
	String baseUrl;

	@Value("${gateway.callers[0].name}")
	String firstCaller;

	@RepeatedTest(2)
	void eachTestStartsWithNoStubsAndTheGatewayCallsThisServer() {
		assertThat(this.workOs.getStubMappings()).isEmpty();
		this.workOs.stubFor(get("/anything").willReturn(aResponse().withStatus(204)));
		assertThat(this.baseUrl).isEqualTo(this.workOs.baseUrl());
		assertThat(this.firstCaller).isEqualTo("billing");
	}

}
