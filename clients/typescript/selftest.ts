// Run by check.sh after compiling: the verifier agrees with the server on a known vector
// (the same as the server's unit test in src/domain/webhooks.rs).
import { verifySignature } from "./webhooks.js";

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
console.log(`webhook signature self-test ok (${cases.length} cases)`);
