import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

const outDir = "../crates/console/dist";

// Each text file of the build also as `.br` and `.gz`, compressed once at their best, which the
// server sends to browsers that take them: what crosses the wire, at no cost per request. Node's
// own zlib, so the build stays reproducible (no timestamp in the gzip header).
function precompress(): Plugin {
  const compressible = /\.(js|css|html|svg|json)$/;
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: "riposte-precompress",
    apply: "build",
    closeBundle() {
      for (const file of walk(outDir).filter((f) => compressible.test(f))) {
        const data = readFileSync(file);
        if (data.length < 1024) continue;
        writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

// The server embeds the build (crates/console) and serves it under /ui/.
export default defineConfig({
  base: "/ui/",
  plugins: [react(), precompress()],
  build: {
    outDir,
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
