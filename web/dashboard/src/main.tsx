/** Entry point: theme, live client and router around the app. */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";

import { App } from "./App";
import { LiveProvider } from "./live/context";
import { ThemeModeProvider } from "./theme";

const root = document.getElementById("root");
if (root === null) throw new Error("no #root element");

createRoot(root).render(
  <StrictMode>
    <ThemeModeProvider>
      <LiveProvider>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </LiveProvider>
    </ThemeModeProvider>
  </StrictMode>,
);
