// What a path outside WebFlux could reach: the same two answers as bench/BareWebFlux.java, from
// Reactor Netty's own routes (no Spring at all: no HttpHandler adapter, no exchange, no
// RouterFunction, no codecs), and links relayed with Reactor Netty's HttpClient instead of a
// WebClient. The floor under the gateway if its hot answers left WebFlux but kept Reactor Netty.
// - GET /v1/provider-icons returns pre-serialized bytes (what cached icons stand for);
// - POST /v1/portal-links, when a stub URL is given, relays the request body to the stub's
//   /portal/generate_link and answers the stub's body with 201.
// Run by hand as a single-file program on the gateway's own dependency jars:
//
//   java -cp 'extracted/lib/*' bench/BareReactorNetty.java PORT ICONS_JSON_FILE [STUB_URL]
import java.nio.file.Files;
import java.nio.file.Path;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

public class BareReactorNetty {

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		byte[] json = Files.readAllBytes(Path.of(args[1]));
		HttpClient stub = HttpClient.create()
			.baseUrl((args.length > 2) ? args[2] : "http://127.0.0.1:1")
			.headers((headers) -> headers.set(HttpHeaderNames.CONTENT_TYPE, "application/json"));
		HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.route((routes) -> routes
				.get("/v1/provider-icons",
						(request, response) -> response.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
							.sendByteArray(Mono.just(json)))
				.post("/v1/portal-links", (request, response) -> request.receive()
					.aggregate()
					.asByteArray()
					.flatMap((body) -> stub.post()
						.uri("/portal/generate_link")
						.send(Mono.just(Unpooled.wrappedBuffer(body)))
						.responseSingle((answer, content) -> content.asByteArray()))
					.flatMap((link) -> response.status(HttpResponseStatus.CREATED)
						.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
						.sendByteArray(Mono.just(link))
						.then())))
			.bindNow()
			.onDispose()
			.block();
	}

}
