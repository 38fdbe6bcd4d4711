// A partner program written against the generated types: if the OpenAPI document stops
// describing a request or an answer the way this code uses it, `tsc` fails.
//
// TODO(lead): the registration endpoints are not in this branch's OpenAPI yet. Once
// POST /api/v1/events/{id}/registrations is, switch `Path` below to it and build a
// registration body (participant, attendance_mode, consent, ...) instead of an organisation.
import type { components, paths } from "./schema.js";

type Path = "/api/v1/organisations";
type Operation = paths[Path]["post"];
export type CreateBody = Operation["requestBody"]["content"]["application/json"];
export type Created = Operation["responses"][201]["content"]["application/json"];
type Problem = components["schemas"]["Problem"];

type Subscribe = paths["/api/v1/webhooks"]["post"];
export type CreateWebhook = Subscribe["requestBody"]["content"]["application/json"];
export type WebhookCreated = Subscribe["responses"][201]["content"]["application/json"];

/** An API error, with the stable `code` front-ends switch on. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
  }
}

async function post<T>(baseUrl: string, token: string, path: string, body: unknown, expected: number): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== expected) {
    throw new ApiError(response.status, (await response.json()) as Problem);
  }
  return (await response.json()) as T;
}

export function create(baseUrl: string, token: string, body: CreateBody): Promise<Created> {
  const path: Path = "/api/v1/organisations";
  return post<Created>(baseUrl, token, path, body, 201);
}

/** Subscribes the calling partner to the changes of the registrations it creates. */
export function subscribe(baseUrl: string, token: string, body: CreateWebhook): Promise<WebhookCreated> {
  return post<WebhookCreated>(baseUrl, token, "/api/v1/webhooks", body, 201);
}

export const exampleBody: CreateBody = { name: "Fundación CEPAIM", kind: "migrant_led_organisation" };

export const exampleSubscription: CreateWebhook = {
  url: "https://partner.example.org/hooks/hybrid-events",
  event_types: ["registration.confirmed", "registration.promoted", "registration.cancelled"],
};

// The generated types are narrow, not `any`: each line below must fail to type-check.
// @ts-expect-error `kind` is one of the documented organisation kinds
export const wrongKind: CreateBody = { name: "Accem", kind: "company" };
// @ts-expect-error `event_types` holds only the documented types
export const wrongType: CreateWebhook = { url: "https://p.example.org/h", event_types: ["registration.created"] };
// @ts-expect-error the answer's `id` is a string (a UUID), not a number
export const wrongId: Created["id"] = 42;

/** What a partner does with the answer: keep the id, never log the secret. */
export function remember(created: WebhookCreated): { id: string; types: string[] } {
  return { id: created.id, types: created.event_types };
}
