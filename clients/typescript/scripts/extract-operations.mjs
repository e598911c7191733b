// Copies every GraphQL operation of the README and the frontend guide into operations/, one file
// per fenced ```graphql block, so that codegen types exactly the operations the documentation
// shows: a schema change that breaks one of them fails the type check.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const out = join(here, "..", "operations");
const sources = ["README.md", "docs/frontend.md"];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
let count = 0;
for (const source of sources) {
  const text = readFileSync(join(root, source), "utf8");
  const blocks = [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]);
  blocks.forEach((block, index) => {
    const name = `${source.replace(/[^a-zA-Z0-9]+/g, "-")}-${index + 1}.graphql`;
    writeFileSync(join(out, name), block);
    count += 1;
  });
}
if (count === 0) {
  console.error("no ```graphql blocks found in " + sources.join(", "));
  process.exit(1);
}
console.log(`extracted ${count} operation documents from ${sources.join(", ")}`);
readdirSync(out).forEach((file) => console.log("  " + file));
