/** The app shell: the app bar and the five routes (pages other than the list load on demand). */
import { Box, CircularProgress, Container, Typography } from "@mui/material";
import { Suspense, lazy } from "react";
import { Route, Routes } from "react-router";

import { AppHeader } from "./components/AppHeader";
import { SessionListPage } from "./pages/SessionListPage";

const SessionPage = lazy(() => import("./pages/SessionPage").then((m) => ({ default: m.SessionPage })));
const TracePage = lazy(() => import("./pages/TracePage").then((m) => ({ default: m.TracePage })));
const SubmitAlertPage = lazy(() => import("./pages/SubmitAlertPage").then((m) => ({ default: m.SubmitAlertPage })));
const SystemPage = lazy(() => import("./pages/SystemPage").then((m) => ({ default: m.SystemPage })));

const loading = (
  <Box sx={{ p: 4, textAlign: "center" }}>
    <CircularProgress />
  </Box>
);

export function App() {
  return (
    <Box sx={{ minHeight: "100vh", bgcolor: "background.default" }}>
      <AppHeader />
      <Container maxWidth={false} sx={{ py: 2, maxWidth: 1680 }}>
        <Suspense fallback={loading}>
          <Routes>
            <Route path="/" element={<SessionListPage />} />
            <Route path="/sessions/:id" element={<SessionPage />} />
            <Route path="/sessions/:id/trace" element={<TracePage />} />
            <Route path="/submit-alert" element={<SubmitAlertPage />} />
            <Route path="/system" element={<SystemPage />} />
            <Route path="*" element={<Typography sx={{ p: 4 }}>Page not found.</Typography>} />
          </Routes>
        </Suspense>
      </Container>
    </Box>
  );
}
