// The divider between the graph and the block panel: dragged, or moved with the arrow keys,
// it sets how wide the panel is, and the width is kept for the next visit.
import { useCallback, useState, type CSSProperties, type KeyboardEvent, type PointerEvent } from "react";

const KEY = "riposte.panel-width";
export const PANEL_WIDTHS = { least: 256, most: 960, initial: 368 };
const STEP = 16;

const clamp = (width: number) => Math.round(Math.min(PANEL_WIDTHS.most, Math.max(PANEL_WIDTHS.least, width)));

function stored(): number {
  const kept = Number(localStorage.getItem(KEY));
  return Number.isFinite(kept) && kept > 0 ? clamp(kept) : PANEL_WIDTHS.initial;
}

/** The panel's width, and the style that gives it to the editor's grid. */
export function usePanelWidth(): [number, (width: number) => void, CSSProperties] {
  const [width, setWidth] = useState(stored);
  const set = useCallback((next: number) => {
    const width = clamp(next);
    setWidth(width);
    localStorage.setItem(KEY, String(width));
  }, []);
  return [width, set, { "--panel-width": `${width}px` } as CSSProperties];
}

/** A width after `key`, or null for a key that does not move the divider. The panel is on the
 * right: moving the divider left widens it. */
export function widthAfterKey(width: number, key: string): number | null {
  switch (key) {
    case "ArrowLeft":
      return clamp(width + STEP);
    case "ArrowRight":
      return clamp(width - STEP);
    case "Home":
      return PANEL_WIDTHS.most;
    case "End":
      return PANEL_WIDTHS.least;
    default:
      return null;
  }
}

export function PanelResizer({ width, onResize }: { width: number; onResize: (width: number) => void }) {
  const drag = (event: PointerEvent<HTMLDivElement>) => {
    const editor = event.currentTarget.parentElement?.getBoundingClientRect();
    if (editor && event.currentTarget.hasPointerCapture(event.pointerId)) onResize(editor.right - event.clientX);
  };
  const key = (event: KeyboardEvent<HTMLDivElement>) => {
    const next = widthAfterKey(width, event.key);
    if (next === null) return;
    event.preventDefault();
    event.stopPropagation();
    onResize(next);
  };
  return (
    <div
      className="panel-resizer"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the block panel"
      aria-valuenow={width}
      aria-valuemin={PANEL_WIDTHS.least}
      aria-valuemax={PANEL_WIDTHS.most}
      tabIndex={0}
      onPointerDown={(event) => event.currentTarget.setPointerCapture(event.pointerId)}
      onPointerMove={drag}
      onPointerUp={(event) => event.currentTarget.releasePointerCapture(event.pointerId)}
      onKeyDown={key}
    />
  );
}
