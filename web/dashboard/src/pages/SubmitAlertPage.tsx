/** `/submit-alert`: alert type, payload, runbook URL and an optional MCP override; then the session. */
import SendIcon from "@mui/icons-material/Send";
import { Alert, Button, CircularProgress, Paper, Stack, TextField, Typography } from "@mui/material";
import { useEffect, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";

import { api, errorMessage } from "../api/client";
import type { AlertTypesResponse } from "../api/types";
import { McpOverride, type McpValue } from "./submit/McpOverride";

export function SubmitAlertPage() {
  const navigate = useNavigate();
  const [types, setTypes] = useState<AlertTypesResponse | null>(null);
  const [alertType, setAlertType] = useState("");
  const [data, setData] = useState("");
  const [runbook, setRunbook] = useState("");
  const [mcp, setMcp] = useState<McpValue | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  useEffect(() => {
    void api.GET("/api/v1/alert-types").then(({ data: body, error: err, response }) => {
      if (body) {
        setTypes(body);
        setAlertType((current) => current || body.default_alert_type);
      } else setError(errorMessage(err, response));
    });
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitting(true);
    setError(null);
    const { data: accepted, error: err, response } = await api.POST("/api/v1/alerts", {
      body: {
        data,
        alert_type: alertType || null,
        runbook: runbook.trim() || null,
        mcp,
        slack_message_fingerprint: null,
      },
    });
    setSubmitting(false);
    if (accepted) navigate(`/sessions/${accepted.session_id}`);
    else setError(errorMessage(err, response));
  };

  const description = types?.alert_types.find((t) => t.type === alertType);

  return (
    <Paper variant="outlined" sx={{ p: 2, maxWidth: 960 }}>
      <Typography variant="h5" gutterBottom>
        Submit an alert
      </Typography>
      <Stack component="form" spacing={2} onSubmit={(e) => void submit(e)}>
        <TextField
          select
          label="Alert type"
          value={alertType}
          onChange={(e) => setAlertType(e.target.value)}
          helperText={description ? `chain ${description.chain_id}: ${description.description}` : " "}
          slotProps={{
            select: { native: true },
            inputLabel: { shrink: true },
            htmlInput: { "data-testid": "alert-type", "aria-label": "alert type" },
          }}
        >
          {alertType === "" && <option value="">(default)</option>}
          {(types?.alert_types ?? []).map((t) => (
            <option key={t.type} value={t.type}>
              {t.type}
            </option>
          ))}
        </TextField>
        <TextField
          label="Alert payload"
          required
          multiline
          minRows={8}
          maxRows={30}
          value={data}
          onChange={(e) => setData(e.target.value)}
          placeholder={'e.g. Pod api-7d9 CrashLoopBackOff in namespace prod\n(any text or JSON; it is masked before use)'}
          slotProps={{
            htmlInput: { "data-testid": "alert-data", "aria-label": "alert payload", spellCheck: false },
            input: { sx: { fontFamily: "monospace", fontSize: 13 } },
          }}
        />
        <TextField
          label="Runbook URL"
          type="url"
          value={runbook}
          onChange={(e) => setRunbook(e.target.value)}
          placeholder="https://…"
          helperText="optional; must be on an allowed domain"
          slotProps={{ htmlInput: { "data-testid": "runbook-url", "aria-label": "runbook url" } }}
        />
        <McpOverride alertType={alertType} value={mcp} onChange={setMcp} />
        {error && (
          <Alert severity="error" data-testid="submit-error">
            {error}
          </Alert>
        )}
        <Stack direction="row">
          <Button
            type="submit"
            variant="contained"
            disabled={submitting || !data.trim()}
            startIcon={submitting ? <CircularProgress size={16} color="inherit" /> : <SendIcon />}
            data-testid="submit-button"
          >
            Submit
          </Button>
        </Stack>
      </Stack>
    </Paper>
  );
}
