/** Filters of the session list: status, alert type, chain, date range and full-text search. */
import ClearIcon from "@mui/icons-material/Clear";
import { Button, Stack, TextField } from "@mui/material";
import { useEffect, useState, type ChangeEvent } from "react";

import type { FilterOptions } from "../../api/types";
import { useDebounced } from "../../hooks/useDebounced";
import { DEFAULT_QUERY, type ListQuery } from "./query";

const FALLBACK_STATUSES = ["pending", "in_progress", "cancelling", "completed", "failed", "cancelled", "timed_out"];

function NativeFilter({
  label,
  value,
  options,
  onChange,
  testId,
  allLabel = "All",
}: {
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
  testId?: string;
  allLabel?: string;
}) {
  return (
    <TextField
      select
      label={label}
      size="small"
      value={value}
      onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(e.target.value)}
      sx={{ minWidth: 150 }}
      slotProps={{
        select: { native: true },
        inputLabel: { shrink: true },
        htmlInput: { "data-testid": testId, "aria-label": label },
      }}
    >
      <option value="">{allLabel}</option>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </TextField>
  );
}

export function SessionFilters({
  query,
  options,
  onChange,
}: {
  query: ListQuery;
  options: FilterOptions | null;
  onChange: (patch: Partial<ListQuery>) => void;
}) {
  const [search, setSearch] = useState(query.search);
  useEffect(() => setSearch(query.search), [query.search]);
  const pushSearch = useDebounced(() => onChange({ search, page: 1 }), 350);

  const statuses = (options?.statuses.length ? options.statuses : FALLBACK_STATUSES).map((s) => ({ value: s, label: s }));
  statuses.push({ value: "pending,in_progress,cancelling", label: "not finished" });
  const alertTypes = (options?.alert_types ?? []).map((t) => ({ value: t, label: t }));
  const chains = (options?.chain_ids ?? []).map((c) => ({ value: c, label: c }));
  const filtered =
    query.status || query.alertType || query.chainId || query.search || query.startDate || query.endDate;

  return (
    <Stack direction="row" spacing={1.5} useFlexGap sx={{ flexWrap: "wrap", alignItems: "center" }}>
      <NativeFilter
        label="Status"
        value={query.status}
        options={statuses}
        testId="filter-status"
        onChange={(status) => onChange({ status, page: 1 })}
      />
      <NativeFilter
        label="Alert type"
        value={query.alertType}
        options={alertTypes}
        onChange={(alertType) => onChange({ alertType, page: 1 })}
      />
      <NativeFilter
        label="Chain"
        value={query.chainId}
        options={chains}
        onChange={(chainId) => onChange({ chainId, page: 1 })}
      />
      <TextField
        label="From"
        type="datetime-local"
        size="small"
        value={query.startDate}
        onChange={(e) => onChange({ startDate: e.target.value, page: 1 })}
        slotProps={{ inputLabel: { shrink: true } }}
      />
      <TextField
        label="To"
        type="datetime-local"
        size="small"
        value={query.endDate}
        onChange={(e) => onChange({ endDate: e.target.value, page: 1 })}
        slotProps={{ inputLabel: { shrink: true } }}
      />
      <TextField
        label="Search"
        placeholder="alert data, analysis, timeline (3+ chars)"
        size="small"
        value={search}
        onChange={(e) => {
          setSearch(e.target.value);
          pushSearch();
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") onChange({ search, page: 1 });
        }}
        sx={{ minWidth: 280, flexGrow: 1, maxWidth: 480 }}
        slotProps={{ htmlInput: { "data-testid": "filter-search" }, inputLabel: { shrink: true } }}
        helperText={search.trim() && search.trim().length < 3 ? "at least 3 characters" : undefined}
      />
      {filtered && (
        <Button
          size="small"
          startIcon={<ClearIcon />}
          onClick={() => onChange({ ...DEFAULT_QUERY, sortBy: query.sortBy, sortOrder: query.sortOrder, pageSize: query.pageSize })}
        >
          Clear
        </Button>
      )}
    </Stack>
  );
}
