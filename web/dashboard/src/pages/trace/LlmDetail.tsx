/** One LLM interaction: tokens, timing, thinking and the conversation the model was sent. */
import { Alert, Box, Chip, Paper, Stack, Typography } from "@mui/material";

import type { ConversationMessage, LLMInteractionDetail } from "../../api/types";
import { ClampBox, isLong } from "../../components/ClampBox";
import { formatCost, formatDuration, formatTime, formatTokens, prettyJson } from "../../format";

const ROLE_COLOR: Readonly<Record<string, "default" | "primary" | "secondary" | "success" | "warning">> = {
  system: "warning",
  user: "primary",
  assistant: "success",
  tool: "secondary",
};

const pre = {
  m: 0,
  fontFamily: "monospace",
  fontSize: 12,
  whiteSpace: "pre-wrap",
  overflowWrap: "anywhere",
} as const;

function Message({ message }: { message: ConversationMessage }) {
  return (
    <Paper variant="outlined" data-testid="conversation-message" data-role={message.role} sx={{ p: 1 }}>
      <Stack direction="row" spacing={1} sx={{ alignItems: "center", mb: 0.5 }}>
        <Chip size="small" label={message.role} color={ROLE_COLOR[message.role] ?? "default"} sx={{ fontFamily: "monospace" }} />
        {message.tool_name && (
          <Typography variant="caption" sx={{ fontFamily: "monospace" }}>
            {message.tool_name}
          </Typography>
        )}
        {message.tool_call_id && (
          <Typography variant="caption" color="text.secondary">
            call {message.tool_call_id}
          </Typography>
        )}
      </Stack>
      {message.content && (
        <ClampBox canClamp={isLong(message.content, 1200, 24)} collapsedHeight={320}>
          <Box component="pre" sx={pre} data-testid="message-content">
            {message.content}
          </Box>
        </ClampBox>
      )}
      {(message.tool_calls ?? []).map((call) => (
        <Box key={call.id} sx={{ mt: 0.5, p: 0.75, bgcolor: "action.hover", borderRadius: 1 }} data-testid="tool-call">
          <Typography variant="caption" sx={{ fontFamily: "monospace", fontWeight: 600 }}>
            → {call.name} ({call.id})
          </Typography>
          <Box component="pre" sx={pre}>
            {prettyJson(call.arguments)}
          </Box>
        </Box>
      ))}
    </Paper>
  );
}

export function LlmDetail({ detail }: { detail: LLMInteractionDetail }) {
  const facts: [string, string][] = [
    ["type", detail.interaction_type],
    ["model", detail.model_name],
    ["tokens in / out / total", `${formatTokens(detail.input_tokens)} / ${formatTokens(detail.output_tokens)} / ${formatTokens(detail.total_tokens)}`],
    ["thinking tokens", formatTokens(detail.thinking_tokens)],
    ["duration", formatDuration(detail.duration_ms)],
    ["cost", formatCost(detail.estimated_cost_usd)],
    ["at", formatTime(detail.created_at)],
  ];
  return (
    <Stack spacing={1.5} data-testid="llm-detail">
      <Stack direction="row" spacing={3} useFlexGap sx={{ flexWrap: "wrap" }}>
        {facts.map(([label, value]) => (
          <Box key={label}>
            <Typography variant="caption" color="text.secondary" component="div">
              {label}
            </Typography>
            <Typography variant="body2">{value}</Typography>
          </Box>
        ))}
      </Stack>
      {detail.error_message && <Alert severity="error">{detail.error_message}</Alert>}
      {detail.thinking_content && (
        <Box>
          <Typography variant="subtitle2">Thinking</Typography>
          <ClampBox canClamp={isLong(detail.thinking_content)}>
            <Box component="pre" sx={{ ...pre, color: "text.secondary", fontStyle: "italic" }}>
              {detail.thinking_content}
            </Box>
          </ClampBox>
        </Box>
      )}
      <Typography variant="subtitle2">Conversation ({detail.conversation.length} messages)</Typography>
      <Stack spacing={1} data-testid="conversation">
        {detail.conversation.map((message, i) => (
          <Message key={i} message={message} />
        ))}
        {detail.conversation.length === 0 && (
          <Typography variant="body2" color="text.secondary">
            No conversation stored for this interaction.
          </Typography>
        )}
      </Stack>
    </Stack>
  );
}
