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
        // The graph libraries are one chunk, loaded when a playbook or a run is opened. React (and
        // the store shim it shares with them) is a group of its own, loaded with the first page:
        // otherwise the graph's group would take it in as one of its dependencies.
        advancedChunks: {
          groups: [
            { name: "react", test: /node_modules[\\/](react|react-dom|scheduler|use-sync-external-store)[\\/]/, priority: 2 },
            { name: "graph", test: /@xyflow|@dagrejs|zustand|classcat|d3-/, priority: 1 },
          ],
        },
      },
    },
  },
});
