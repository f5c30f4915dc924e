/** The app bar: navigation links, live-connection indicator and the theme toggle. */
import DarkModeIcon from "@mui/icons-material/DarkMode";
import LightModeIcon from "@mui/icons-material/LightMode";
import { AppBar, Box, Button, IconButton, Toolbar, Tooltip, Typography } from "@mui/material";
import { NavLink } from "react-router";

import { useConnectionState } from "../live/context";
import { useThemeMode } from "../theme";

const LINKS = [
  { to: "/", label: "Sessions", end: true },
  { to: "/submit-alert", label: "Submit alert", end: false },
  { to: "/system", label: "System", end: false },
];

const CONNECTION_LABEL: Readonly<Record<string, string>> = {
  idle: "",
  connecting: "connecting…",
  open: "live",
  reconnecting: "reconnecting…",
  closed: "offline",
};

export function AppHeader() {
  const { mode, toggle } = useThemeMode();
  const connection = useConnectionState();
  return (
    <AppBar position="sticky" elevation={0} color="default" sx={{ borderBottom: 1, borderColor: "divider" }}>
      <Toolbar variant="dense" sx={{ gap: 1 }}>
        <Typography variant="h6" component={NavLink} to="/" sx={{ color: "inherit", textDecoration: "none", mr: 2, fontWeight: 700 }}>
          TARSy
        </Typography>
        <Box component="nav" sx={{ display: "flex", gap: 0.5, flexGrow: 1 }}>
          {LINKS.map((link) => (
            <Button
              key={link.to}
              component={NavLink}
              to={link.to}
              end={link.end}
              color="inherit"
              sx={{ "&.active": { bgcolor: "action.selected" } }}
            >
              {link.label}
            </Button>
          ))}
        </Box>
        {CONNECTION_LABEL[connection] && (
          <Typography
            variant="caption"
            data-connection={connection}
            sx={{ color: connection === "open" ? "success.main" : "text.secondary" }}
          >
            ● {CONNECTION_LABEL[connection]}
          </Typography>
        )}
        <Tooltip title={mode === "dark" ? "Switch to light theme" : "Switch to dark theme"}>
          <IconButton
            data-testid="theme-toggle"
            data-mode={mode}
            aria-label="toggle light/dark theme"
            onClick={toggle}
            color="inherit"
          >
            {mode === "dark" ? <LightModeIcon /> : <DarkModeIcon />}
          </IconButton>
        </Tooltip>
      </Toolbar>
    </AppBar>
  );
}
