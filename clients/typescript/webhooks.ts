// Receiving webhooks: check the signature before trusting a body, as the OpenAPI description
// of POST /api/v1/webhooks says. Posts are signed by the Standard Webhooks specification, so
// the official `standardwebhooks` package verifies them (`readStandardMessage`); the older
// `X-Signature` is checked by hand with Web Crypto (`verifySignature`, Node.js 20+ and browsers).
import { Webhook } from "standardwebhooks";
import type { components } from "./schema.js";

export type WebhookMessage = components["schemas"]["WebhookMessage"];

/** Oldest signature accepted, so that a captured post cannot be replayed later. */
const MAX_AGE_SECONDS = 300;

function fromHex(hex: string): Uint8Array<ArrayBuffer> | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) return null;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * True when `header` (`t=<unix>,v1=<hex>`) is the HMAC-SHA256, keyed with the subscription's
 * secret, of `<t>.<rawBody>`, and `t` is recent. Pass the body exactly as received.
 */
export async function verifySignature(
  secret: string,
  header: string,
  rawBody: Uint8Array,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<boolean> {
  const parts = new Map(header.split(",").map((part) => part.split("=", 2) as [string, string]));
  const t = parts.get("t");
  const tag = fromHex(parts.get("v1") ?? "");
  if (t === undefined || !/^\d+$/.test(t) || tag === null) return false;
  if (Math.abs(nowSeconds - Number(t)) > MAX_AGE_SECONDS) return false;
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const prefix = encoder.encode(`${t}.`);
  const signed = new Uint8Array(prefix.length + rawBody.length);
  signed.set(prefix);
  signed.set(rawBody, prefix.length);
  // crypto.subtle.verify compares in constant time.
  return crypto.subtle.verify("HMAC", key, tag, signed);
}

/** The message, once its signature is verified. */
export async function readMessage(secret: string, header: string, rawBody: Uint8Array): Promise<WebhookMessage> {
  if (!(await verifySignature(secret, header, rawBody))) throw new Error("bad webhook signature");
  return JSON.parse(new TextDecoder().decode(rawBody)) as WebhookMessage;
}

/**
 * The message, once `webhook-id`, `webhook-timestamp` and `webhook-signature` are verified by
 * the official Standard Webhooks library with the subscription's secret as given
 * (`whsec_…`, old secrets included). Throws `WebhookVerificationError` otherwise. Pass the
 * body exactly as received.
 */
export function readStandardMessage(secret: string, headers: Record<string, string>, rawBody: string): WebhookMessage {
  return new Webhook(secret).verify(rawBody, headers) as WebhookMessage;
}
