// A partner program written against the generated types: it registers a participant for an
// event. If the OpenAPI document stops describing the request or the answer the way this
// code uses them, `tsc` fails.
import type { components, paths } from "./schema.js";

type Path = "/api/v1/events/{id}/registrations";
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

/** Registers one participant; the answer says whether they got a seat or a waitlist place. */
export async function register(baseUrl: string, token: string, eventId: string, body: CreateBody): Promise<Created> {
  const path: Path = "/api/v1/events/{id}/registrations";
  const created = await post<Created>(baseUrl, token, path.replace("{id}", encodeURIComponent(eventId)), body, 201);
  if (created.status === "waitlisted" && created.waitlist_position !== null && created.waitlist_position !== undefined) {
    console.log(`waitlisted at position ${created.waitlist_position}`);
  }
  return created;
}

/** Subscribes the calling partner to the changes of the registrations it creates. */
export function subscribe(baseUrl: string, token: string, body: CreateWebhook): Promise<WebhookCreated> {
  return post<WebhookCreated>(baseUrl, token, "/api/v1/webhooks", body, 201);
}

/** Someone with no device or email, registered by a volunteer on their behalf. */
export const exampleBody: CreateBody = {
  participant: {
    full_name: "Amina",
    email: null,
    phone: "+34 600 000 000",
    preferred_language: "ar",
    stakeholder_category: "refugee",
    organisation_name: null,
  },
  attendance_mode: "onsite",
  needs_physical_space: true,
  needs_transport: true,
  interpretation_language: "ar",
  accessibility_notes: null,
  accept_online_fallback: false,
  consent: { data_processing: true, contact: false },
  interests: ["entrepreneurship", "women_employment"],
};

/** The same person with consent per purpose: the version of each text they were shown. */
export const examplePerPurpose: CreateBody = {
  participant: exampleBody.participant,
  attendance_mode: "onsite",
  needs_physical_space: true,
  consents: [
    { purpose: "data_processing", version: 1 },
    { purpose: "contact", version: 2 },
  ],
};

type Purposes =
  paths["/api/v1/organisations/{id}/consent-purposes"]["get"]["responses"][200]["content"]["application/json"];

/** The texts a front-end shows before registering someone: each purpose's current version, in
 * the participant's language when the organisation wrote it, else in English. */
export function textsToShow(purposes: Purposes, language: string) {
  return purposes.items.map((purpose) => {
    const current = purpose.versions.find((v) => v.version === purpose.current_version);
    const texts = current?.texts ?? {};
    return {
      purpose: purpose.purpose,
      version: purpose.current_version,
      required: purpose.required,
      text: texts[language] ?? texts["en"],
    };
  });
}

/** Messages to a participant only when the registration says so (`contact` held, not erased). */
export function mayWrite(registration: Created): boolean {
  return registration.may_contact;
}

export const exampleSubscription: CreateWebhook = {
  url: "https://partner.example.org/hooks/hybrid-events",
  event_types: [
    "registration.confirmed",
    "registration.promoted",
    "registration.cancelled",
    "registration.consent_changed",
  ],
};

// The generated types are narrow, not `any`: each line below must fail to type-check.
// @ts-expect-error `attendance_mode` is online or onsite
export const wrongMode: CreateBody["attendance_mode"] = "hybrid";
// @ts-expect-error `stakeholder_category` is one of the documented categories
export const wrongCategory: CreateBody["participant"]["stakeholder_category"] = "tourist";
// @ts-expect-error `event_types` holds only the documented types
export const wrongType: CreateWebhook = { url: "https://p.example.org/h", event_types: ["registration.created"] };
// @ts-expect-error the answer's `id` is a string (a UUID), not a number
export const wrongId: Created["id"] = 42;

/** What a partner does with the answer: keep the id, never log the secret. */
export function remember(created: WebhookCreated): { id: string; types: string[] } {
  return { id: created.id, types: created.event_types };
}
