/** The investigation's outcome: final analysis and executive summary, as markdown. */
import { Alert, Paper, Stack, Typography } from "@mui/material";

import { Markdown } from "../../components/Markdown";

export function ResultPanel({
  finalAnalysis,
  executiveSummary,
  summaryError,
}: {
  finalAnalysis: string | null;
  executiveSummary: string | null;
  summaryError: string | null;
}) {
  if (!finalAnalysis && !executiveSummary && !summaryError) return null;
  return (
    <Stack spacing={2}>
      {executiveSummary && (
        <Paper variant="outlined" sx={{ p: 2, borderLeft: 4, borderLeftColor: "primary.main" }}>
          <Typography variant="overline" color="text.secondary">
            Executive summary
          </Typography>
          <Markdown text={executiveSummary} testId="executive-summary" />
        </Paper>
      )}
      {summaryError && <Alert severity="warning">Executive summary failed: {summaryError}</Alert>}
      {finalAnalysis && (
        <Paper variant="outlined" sx={{ p: 2, borderLeft: 4, borderLeftColor: "success.main" }}>
          <Typography variant="overline" color="text.secondary">
            Final analysis
          </Typography>
          <Markdown text={finalAnalysis} testId="final-analysis" />
        </Paper>
      )}
    </Stack>
  );
}
