import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The server embeds the build (crates/console) and serves it under /ui/.
export default defineConfig({
  base: "/ui/",
  plugins: [react()],
  build: {
    outDir: "../crates/console/dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // A reproducible build: the committed assets must be what the sources give.
    sourcemap: false,
  },
});
