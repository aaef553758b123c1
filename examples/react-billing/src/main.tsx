// Mounts the example; the end user's token comes from your sign-in (here: pasted, kept in this tab only).
import { createRoot } from "react-dom/client";
import { App } from "./App";

createRoot(document.getElementById("root") as HTMLElement).render(<App />);
