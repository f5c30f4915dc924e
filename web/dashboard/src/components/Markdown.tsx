/** Markdown (GitHub flavour) for analyses, summaries and answers. No raw HTML is rendered. */
import { Box } from "@mui/material";
import ReactMarkdown from "react-markdown";
import remarkGfm from "remark-gfm";

const PLUGINS = [remarkGfm];

export function Markdown({ text, testId }: { text: string; testId?: string }) {
  return (
    <Box
      data-testid={testId}
      sx={{
        overflowWrap: "anywhere",
        "& > :first-of-type": { mt: 0 },
        "& > :last-child": { mb: 0 },
        "& h1, & h2, & h3, & h4": { mt: 1.5, mb: 0.75, lineHeight: 1.3 },
        "& h1": { fontSize: "1.35rem" },
        "& h2": { fontSize: "1.2rem" },
        "& h3": { fontSize: "1.05rem" },
        "& p, & ul, & ol": { my: 0.75 },
        "& code": {
          fontFamily: "monospace",
          fontSize: "0.85em",
          bgcolor: "action.hover",
          px: 0.5,
          borderRadius: 0.5,
        },
        "& pre": { bgcolor: "action.hover", p: 1, borderRadius: 1, overflowX: "auto" },
        "& pre code": { bgcolor: "transparent", p: 0 },
        "& table": { borderCollapse: "collapse", my: 1 },
        "& th, & td": { border: 1, borderColor: "divider", px: 1, py: 0.5, textAlign: "left" },
        "& blockquote": { borderLeft: 3, borderColor: "divider", m: 0, pl: 1.5, color: "text.secondary" },
      }}
    >
      <ReactMarkdown remarkPlugins={PLUGINS}>{text}</ReactMarkdown>
    </Box>
  );
}
