package dev.portalgateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The portal-gateway application.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PortalGatewayApplication {

	public static void main(String[] args) {
		SpringApplication.run(PortalGatewayApplication.class, args);
	}

}
