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
    rolldownOptions: {
      output: {
        // The graph editor is one chunk, loaded when a playbook or a run is opened.
        advancedChunks: { groups: [{ name: "editor", test: /@xyflow|@dagrejs|zustand|classcat|d3-|src\/editor/ }] },
      },
    },
  },
});
