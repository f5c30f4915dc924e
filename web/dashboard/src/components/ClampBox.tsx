/**
 * Collapsible content: collapsed shows the first lines (the whole text stays in the page, so it
 * can be searched and selected), expanded shows everything.
 */
import { Box, Button } from "@mui/material";
import { useState, type ReactNode } from "react";

export function ClampBox({
  children,
  collapsedHeight = 72,
  defaultOpen = false,
  canClamp = true,
}: {
  children: ReactNode;
  collapsedHeight?: number;
  defaultOpen?: boolean;
  /** False for short content: never clamp, no toggle. */
  canClamp?: boolean;
}) {
  const [open, setOpen] = useState(defaultOpen);
  const clamped = canClamp && !open;
  return (
    <Box>
      <Box
        sx={{
          maxHeight: clamped ? collapsedHeight : "none",
          overflow: "hidden",
          position: "relative",
          ...(clamped && {
            maskImage: "linear-gradient(to bottom, black 60%, transparent)",
          }),
        }}
      >
        {children}
      </Box>
      {canClamp && (
        <Button size="small" onClick={() => setOpen((o) => !o)} sx={{ mt: 0.25, px: 0.5, minWidth: 0 }}>
          {open ? "Show less" : "Show more"}
        </Button>
      )}
    </Box>
  );
}

/** Whether text is long enough to be worth clamping. */
export function isLong(text: string, chars = 280, lines = 4): boolean {
  return text.length > chars || text.split("\n").length > lines;
}
