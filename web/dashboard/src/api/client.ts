/** The one REST client: `openapi-fetch` typed by the generated `schema.d.ts`, same origin. */
import createClient from "openapi-fetch";

import type { paths } from "./schema";

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? "" });

/** The API's `{"message": ...}` error text (or a validation detail), else the HTTP status. */
export function errorMessage(error: unknown, response?: Response): string {
  if (error !== null && typeof error === "object") {
    const body = error as { message?: unknown; detail?: unknown };
    if (typeof body.message === "string" && body.message) return body.message;
    if (Array.isArray(body.detail)) {
      const parts = body.detail.map((d: unknown) =>
        d !== null && typeof d === "object" && "msg" in d ? String((d as { msg: unknown }).msg) : String(d),
      );
      if (parts.length) return parts.join("; ");
    }
    if (typeof body.detail === "string") return body.detail;
  }
  if (typeof error === "string" && error) return error;
  if (error instanceof Error) return error.message;
  return response ? `HTTP ${response.status} ${response.statusText}`.trim() : "request failed";
}
