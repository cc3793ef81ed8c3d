// The reference the gateway's cached icons are measured against: a bare Spring WebFlux
// RouterFunction on Reactor Netty returning pre-serialized bytes (no Spring Boot, no
// filters, no metrics). Run by bench/run.sh as a single-file program on the gateway's own
// dependency jars:
//
//   java -cp 'extracted/lib/*' bench/BareWebFlux.java PORT ICONS_JSON_FILE
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.netty.http.server.HttpServer;

public class BareWebFlux {

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		byte[] json = Files.readAllBytes(Path.of(args[1]));
		RouterFunction<ServerResponse> route = RouterFunctions.route()
			.GET("/v1/provider-icons",
					(request) -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json))
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
