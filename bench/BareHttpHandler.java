// Between bench/BareWebFlux.java and bench/BareReactorNetty.java: the icon answer from Spring's
// reactive HttpHandler contract on Reactor Netty (Spring's ReactorHttpHandlerAdapter and its
// request and response wrappers), without what WebFlux builds on it per request (the exchange, the
// web handler chain, RouterFunction's route lookup, ServerResponse and its codecs). Tells how much
// of what Spring costs an icon a path below the RouterFunctions but still inside Spring would save.
// - GET /v1/provider-icons returns pre-serialized bytes; anything else 404.
// Run by hand as a single-file program on the gateway's own dependency jars:
//
//   java -cp 'extracted/lib/*' bench/BareHttpHandler.java PORT ICONS_JSON_FILE
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServer;

public class BareHttpHandler {

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		byte[] json = Files.readAllBytes(Path.of(args[1]));
		HttpHandler handler = (request, response) -> {
			if (request.getMethod() != HttpMethod.GET || !"/v1/provider-icons".equals(request.getPath().value())) {
				response.setStatusCode(HttpStatus.NOT_FOUND);
				return response.setComplete();
			}
			response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
			response.getHeaders().setContentLength(json.length);
			return response.writeWith(Mono.just(response.bufferFactory().wrap(json)));
		};
		HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.handle(new ReactorHttpHandlerAdapter(handler))
			.bindNow()
			.onDispose()
			.block();
	}

}
