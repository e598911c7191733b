// Runs the resume pattern of docs/frontend.md against a running server (OFFICINA_URL, and
// OFFICINA_TOKEN of a platform administrator): the guide's `follow` function, extracted from
// the guide itself, must deliver every event once, in order, across a stop and a resume.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

const here = dirname(fileURLToPath(import.meta.url));
const guide = readFileSync(join(here, "..", "..", "..", "docs", "frontend.md"), "utf8");
const block = guide.match(/```js\n([\s\S]*?export function follow[\s\S]*?)```/);
if (!block) throw new Error("docs/frontend.md has no ```js block with `export function follow`");
writeFileSync(join(here, "follow.generated.mjs"), block[1]);
const { follow } = await import("./follow.generated.mjs");

const url = process.env.OFFICINA_URL ?? "http://127.0.0.1:8080/graphql";
const token = process.env.OFFICINA_TOKEN;
if (!token) throw new Error("set OFFICINA_TOKEN to a platform administrator's token");
const socketUrl = url.replace(/^http/, "ws");

async function register(name) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: "mutation($input: RegisterOrganizationInput!) { registerOrganization(input: $input) { position } }",
      variables: { input: { name, category: "LOCAL_AUTHORITY" } },
    }),
  });
  const answer = await response.json();
  if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  return answer.data.registerOrganization.position;
}

async function until(condition, what) {
  for (let i = 0; i < 200; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const suffix = Date.now().toString(36);
const start = await register(`Comune di Prova ${suffix} 0`);
const seen = [];
const onError = (error) => {
  throw new Error(`refused: ${JSON.stringify(error)}`);
};
let stop = follow({ url: socketUrl, token, webSocketImpl: WebSocket, after: start, onEvent: (e) => seen.push(e.position), onError });
const first = await register(`Comune di Prova ${suffix} 1`);
await until(() => seen.includes(first), `position ${first}`);
stop();
// Events recorded while nobody follows are delivered on resuming from the last one seen.
const missed = [await register(`Comune di Prova ${suffix} 2`), await register(`Comune di Prova ${suffix} 3`)];
stop = follow({ url: socketUrl, token, webSocketImpl: WebSocket, after: seen.at(-1), onEvent: (e) => seen.push(e.position), onError });
await until(() => seen.includes(missed[1]), `position ${missed[1]}`);
await new Promise((resolve) => setTimeout(resolve, 300));
stop();
const expected = [first, ...missed];
if (JSON.stringify(seen) !== JSON.stringify(expected)) {
  throw new Error(`expected ${JSON.stringify(expected)}, saw ${JSON.stringify(seen)}`);
}
console.log(`resume pattern: ${seen.length} events, once each, in order (${seen.join(", ")})`);
process.exit(0);
