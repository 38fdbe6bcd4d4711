// Run by check.sh after compiling: the verifiers agree with the server on known vectors: the
// `X-Signature` one of the server's unit test in src/domain/webhooks.rs, and the deliveries in
// webhook-vectors.json, which a unit test there keeps equal to what the server signs.
import { readFileSync } from "node:fs";
import { readStandardMessage, verifySignature } from "./webhooks.js";

interface Vector {
  name: string;
  secret: string;
  body: string;
  headers: Record<string, string>;
}

const body = new TextEncoder().encode("{}");
const header = "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163";
const cases: [string, Promise<boolean>, boolean][] = [
  ["the server's signature verifies", verifySignature("secret", header, body, 1700000010), true],
  ["another secret does not", verifySignature("other", header, body, 1700000010), false],
  ["another body does not", verifySignature("secret", header, new TextEncoder().encode("{ }"), 1700000010), false],
  ["an old signature does not", verifySignature("secret", header, body, 1700000000 + 3600), false],
  ["a malformed header does not", verifySignature("secret", "v1=zz", body, 1700000010), false],
];
for (const [name, result, expected] of cases) {
  if ((await result) !== expected) throw new Error(`signature self-test failed: ${name}`);
}

const vectors = JSON.parse(readFileSync(new URL("../webhook-vectors.json", import.meta.url), "utf8")) as Vector[];
if (vectors.length === 0) throw new Error("no Standard Webhooks vectors");
/** Whether the official library verifies `body` with `headers`, at `nowSeconds`. */
function standardVerifies(vector: Vector, secret: string, body: string, nowSeconds: number): boolean {
  const realNow = Date.now;
  Date.now = () => nowSeconds * 1000;
  try {
    return readStandardMessage(secret, vector.headers, body).id === JSON.parse(vector.body).id;
  } catch {
    return false;
  } finally {
    Date.now = realNow;
  }
}
const other = "whsec_" + btoa("another secret of 24 bytes");
let standardCases = 0;
for (const vector of vectors) {
  const signedAt = Number(vector.headers["webhook-timestamp"]);
  const standard: [string, boolean, boolean][] = [
    ["verifies", standardVerifies(vector, vector.secret, vector.body, signedAt + 10), true],
    ["another secret does not", standardVerifies(vector, other, vector.body, signedAt + 10), false],
    ["another body does not", standardVerifies(vector, vector.secret, vector.body + " ", signedAt + 10), false],
    ["an old signature does not", standardVerifies(vector, vector.secret, vector.body, signedAt + 3600), false],
    ["its X-Signature verifies", await verifySignature(vector.secret, vector.headers["X-Signature"] ?? "",
      new TextEncoder().encode(vector.body), signedAt + 10), true],
  ];
  for (const [name, result, expected] of standard) {
    if (result !== expected) throw new Error(`Standard Webhooks self-test failed: ${vector.name}: ${name}`);
  }
  standardCases += standard.length;
}
console.log(`webhook signature self-test ok (${cases.length} X-Signature cases, ${standardCases} Standard Webhooks cases)`);
