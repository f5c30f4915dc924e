/** Follow-up chat about an ended session; answers stream into the timeline as chat stages. */
import SendIcon from "@mui/icons-material/Send";
import StopIcon from "@mui/icons-material/Stop";
import { Alert, Button, CircularProgress, Paper, Stack, TextField, Typography } from "@mui/material";
import { useState } from "react";

import { api, errorMessage } from "../../api/client";

const CHAT_STATUSES = new Set(["completed", "failed", "timed_out"]);

export function ChatPanel({
  sessionId,
  status,
  chatEnabled,
  busy,
  onSent,
}: {
  sessionId: string;
  status: string;
  chatEnabled: boolean;
  /** An answer is being produced. */
  busy: boolean;
  onSent: () => void;
}) {
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (!CHAT_STATUSES.has(status)) {
    if (status !== "cancelled") return null;
    return <Typography color="text.secondary">Chat is not available for cancelled sessions.</Typography>;
  }
  if (!chatEnabled) {
    return <Typography color="text.secondary">Chat is disabled for this chain.</Typography>;
  }

  const send = async () => {
    const content = text.trim();
    if (!content) return;
    setSending(true);
    setError(null);
    const { data, error: err, response } = await api.POST("/api/v1/sessions/{session_id}/chat/messages", {
      params: { path: { session_id: sessionId } },
      body: { content },
    });
    setSending(false);
    if (data) {
      setText("");
      onSent();
    } else {
      setError(errorMessage(err, response));
    }
  };

  const stop = async () => {
    const { error: err, response } = await api.POST("/api/v1/sessions/{session_id}/cancel", {
      params: { path: { session_id: sessionId } },
    });
    if (!response.ok) setError(errorMessage(err, response));
  };

  return (
    <Paper variant="outlined" sx={{ p: 2 }} data-testid="chat-panel">
      <Typography variant="subtitle1" gutterBottom>
        Ask a follow-up question
      </Typography>
      <Stack spacing={1}>
        <TextField
          multiline
          minRows={2}
          maxRows={10}
          fullWidth
          placeholder="e.g. Which deployment revision introduced the bad config? (Ctrl+Enter to send)"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void send();
          }}
          slotProps={{ htmlInput: { "data-testid": "chat-input", "aria-label": "chat message" } }}
        />
        {error && <Alert severity="error">{error}</Alert>}
        <Stack direction="row" spacing={1}>
          <Button
            variant="contained"
            startIcon={sending ? <CircularProgress size={16} color="inherit" /> : <SendIcon />}
            disabled={sending || busy || !text.trim()}
            onClick={() => void send()}
            data-testid="chat-send"
          >
            Send
          </Button>
          {busy && (
            <Button color="error" startIcon={<StopIcon />} onClick={() => void stop()} data-testid="chat-cancel">
              Stop answer
            </Button>
          )}
          {busy && (
            <Typography variant="body2" color="text.secondary" sx={{ alignSelf: "center" }}>
              Answering…
            </Typography>
          )}
        </Stack>
      </Stack>
    </Paper>
  );
}
