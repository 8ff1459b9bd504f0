// Light, dark, or as the system says: chosen in the header, remembered by this browser.
import { useEffect, useState } from "react";

type Theme = "system" | "light" | "dark";
const KEY = "riposte:theme";

function stored(): Theme {
  const value = localStorage.getItem(KEY);
  return value === "light" || value === "dark" ? value : "system";
}

/** Applies the remembered theme before the first paint. */
export function applyStoredTheme() {
  apply(stored());
}

function apply(theme: Theme) {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

/** The theme chosen now (`system` when none is), followed as it changes: for React Flow's own controls. */
export function useChosenTheme(): Theme {
  const read = (): Theme => (document.documentElement.dataset.theme as Theme | undefined) ?? "system";
  const [theme, setTheme] = useState<Theme>(read);
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(read()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => observer.disconnect();
  }, []);
  return theme;
}

export function ThemeChoice() {
  const [theme, setTheme] = useState<Theme>(stored);
  useEffect(() => {
    apply(theme);
    if (theme === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme);
  }, [theme]);
  return (
    <select aria-label="Theme" className="theme" value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
      <option value="system">System theme</option>
      <option value="light">Light</option>
      <option value="dark">Dark</option>
    </select>
  );
}
