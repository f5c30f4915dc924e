/** A status value shown as a coloured chip whose text is the raw value (e.g. `in_progress`). */
import { Chip, type ChipProps } from "@mui/material";

type Color = NonNullable<ChipProps["color"]>;

const COLORS: Readonly<Record<string, Color>> = {
  completed: "success",
  failed: "error",
  timed_out: "warning",
  cancelled: "default",
  cancelling: "warning",
  in_progress: "info",
  active: "info",
  started: "info",
  streaming: "info",
  pending: "default",
};

export function StatusChip({
  status,
  testId,
  size = "small",
}: {
  status: string;
  testId?: string;
  size?: ChipProps["size"];
}) {
  return (
    <Chip
      label={status}
      color={COLORS[status] ?? "default"}
      size={size}
      variant={status === "pending" || status === "cancelled" ? "outlined" : "filled"}
      data-testid={testId}
      data-status={status}
      sx={{ fontFamily: "monospace", fontWeight: 600 }}
    />
  );
}
