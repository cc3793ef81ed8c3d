// The reference the gateway is measured against: a bare Spring WebFlux RouterFunction on
// Reactor Netty (no Spring Boot, no filters, no metrics, no authentication).
// - GET /v1/provider-icons returns pre-serialized bytes (what cached icons stand for);
// - POST /v1/portal-links, when a stub URL is given, relays the request body to the stub's
//   /portal/generate_link with a WebClient and answers the stub's body with 201: the least
//   a WebFlux service calling WorkOS with a WebClient can do per link.
// Run by bench/run.sh as a single-file program on the gateway's own dependency jars:
//
//   java -cp 'extracted/lib/*' bench/BareWebFlux.java PORT ICONS_JSON_FILE [STUB_URL]
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.netty.http.server.HttpServer;

public class BareWebFlux {

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		byte[] json = Files.readAllBytes(Path.of(args[1]));
		WebClient stub = WebClient.create((args.length > 2) ? args[2] : "http://127.0.0.1:1");
		RouterFunction<ServerResponse> route = RouterFunctions.route()
			.GET("/v1/provider-icons",
					(request) -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json))
			.POST("/v1/portal-links", (request) -> request.bodyToMono(byte[].class)
				.flatMap((body) -> stub.post()
					.uri("/portal/generate_link")
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(body)
					.retrieve()
					.bodyToMono(byte[].class))
				.flatMap((link) -> ServerResponse.status(HttpStatus.CREATED)
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(link)))
			.build();
		HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.handle(new ReactorHttpHandlerAdapter(RouterFunctions.toHttpHandler(route)))
			.bindNow()
			.onDispose()
			.block();
	}

}
