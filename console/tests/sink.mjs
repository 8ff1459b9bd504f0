// An external tool for the journeys: records every request it receives and answers the status
// it is told to (200 unless changed).
import { createServer } from "node:http";

export async function startSink() {
  const received = [];
  let status = 200;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ method: request.method, path: request.url, headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ received: received.length }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/sink`,
    received,
    answer(next) {
      status = next;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
