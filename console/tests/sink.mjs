// An external tool for the journeys: records every request it receives and answers the status
// it is told to (200 unless changed), or 500 with a body that says so on paths under /broken.
import { createServer } from "node:http";

export async function startSink() {
  const received = [];
  let status = 200;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", async () => {
      // A benchmark holds the answer until it says so.
      if (sink.hold) await sink.hold;
      received.push({ method: request.method, path: request.url, headers: request.headers, body: Buffer.concat(chunks).toString() });
      const broken = request.url.startsWith("/broken");
      response.writeHead(broken ? 500 : status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(broken ? { error: "no such endpoint" } : { received: received.length }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const sink = {
    hold: null,
    url: `http://127.0.0.1:${server.address().port}/sink`,
    broken: `http://127.0.0.1:${server.address().port}/broken`,
    received,
    answer(next) {
      status = next;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
  return sink;
}
