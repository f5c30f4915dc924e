/** The session list's filters, sort and page: kept in the address bar, sent to the API. */
import type { paths } from "../../api/schema";

export type ListApiQuery = NonNullable<paths["/api/v1/sessions"]["get"]["parameters"]["query"]>;

export interface ListQuery {
  page: number;
  pageSize: number;
  sortBy: string;
  sortOrder: "asc" | "desc";
  status: string;
  alertType: string;
  chainId: string;
  search: string;
  /** `datetime-local` values (local time), empty when unset. */
  startDate: string;
  endDate: string;
}

export const DEFAULT_QUERY: ListQuery = {
  page: 1,
  pageSize: 25,
  sortBy: "created_at",
  sortOrder: "desc",
  status: "",
  alertType: "",
  chainId: "",
  search: "",
  startDate: "",
  endDate: "",
};

const KEYS: Readonly<Record<keyof ListQuery, string>> = {
  page: "page",
  pageSize: "page_size",
  sortBy: "sort_by",
  sortOrder: "sort_order",
  status: "status",
  alertType: "alert_type",
  chainId: "chain_id",
  search: "search",
  startDate: "from",
  endDate: "to",
};

function positive(text: string | null, fallback: number): number {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function readQuery(params: URLSearchParams): ListQuery {
  const text = (key: keyof ListQuery) => params.get(KEYS[key]) ?? (DEFAULT_QUERY[key] as string);
  return {
    page: positive(params.get(KEYS.page), DEFAULT_QUERY.page),
    pageSize: Math.min(100, positive(params.get(KEYS.pageSize), DEFAULT_QUERY.pageSize)),
    sortBy: text("sortBy"),
    sortOrder: params.get(KEYS.sortOrder) === "asc" ? "asc" : "desc",
    status: text("status"),
    alertType: text("alertType"),
    chainId: text("chainId"),
    search: text("search"),
    startDate: text("startDate"),
    endDate: text("endDate"),
  };
}

/** Address-bar parameters, defaults left out. */
export function writeQuery(query: ListQuery): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of Object.keys(KEYS) as (keyof ListQuery)[]) {
    if (query[key] !== DEFAULT_QUERY[key] && query[key] !== "") params.set(KEYS[key], String(query[key]));
  }
  return params;
}

function rfc3339(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The `GET /api/v1/sessions` query (search only from 3 characters, as the API requires). */
export function apiQuery(query: ListQuery): ListApiQuery {
  const search = query.search.trim();
  const out: ListApiQuery = {
    page: query.page,
    page_size: query.pageSize,
    sort_by: query.sortBy,
    sort_order: query.sortOrder,
  };
  if (query.status) out.status = query.status;
  if (query.alertType) out.alert_type = query.alertType;
  if (query.chainId) out.chain_id = query.chainId;
  if (search.length >= 3) out.search = search;
  const start = rfc3339(query.startDate);
  const end = rfc3339(query.endDate);
  if (start) out.start_date = start;
  if (end) out.end_date = end;
  return out;
}
