// Lints the console's sources and tests (`npm run lint`, which scripts/console.sh runs after the
// build): typescript-eslint's recommended rules, and React's rules of hooks with exhaustive-deps,
// both errors. The plugin's React Compiler rules are not on: the console is not compiled by it.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "src/api/schema.d.ts"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `const { dropped, ...kept } = value` is how a field is left out of a copy.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    // The journeys are Node scripts; the functions they hand to the browser run in a page.
    files: ["tests/**/*.mjs", "vite.config.ts"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
