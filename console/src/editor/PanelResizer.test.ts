import { describe, expect, it } from "vitest";
import { PANEL_WIDTHS, widthAfterKey } from "./PanelResizer";

describe("the block panel's divider", () => {
  it("widens the panel to the left and narrows it to the right, within bounds", () => {
    expect(widthAfterKey(400, "ArrowLeft")).toBe(416);
    expect(widthAfterKey(400, "ArrowRight")).toBe(384);
    expect(widthAfterKey(PANEL_WIDTHS.most, "ArrowLeft")).toBe(PANEL_WIDTHS.most);
    expect(widthAfterKey(PANEL_WIDTHS.least, "ArrowRight")).toBe(PANEL_WIDTHS.least);
    expect([widthAfterKey(400, "Home"), widthAfterKey(400, "End")]).toEqual([PANEL_WIDTHS.most, PANEL_WIDTHS.least]);
    expect(widthAfterKey(400, "a")).toBeNull();
  });
});
