import { describe, expect, it } from "vitest";
import { parse } from "./SchemaForm";

describe("what a typed field stores", () => {
  it("keeps text in a text field", () => {
    expect(parse("{\"a\": 1}", { type: "string" })).toBe("{\"a\": 1}");
  });
  it("stores JSON without templates as JSON, and a template as its text", () => {
    expect(parse("{\"a\": 1}", { type: "object" })).toEqual({ a: 1 });
    expect(parse("42", { type: "integer" })).toBe(42);
    expect(parse("{\"a\": \"{{ node.1.x }}\"}", { type: "object" })).toBe("{\"a\": \"{{ node.1.x }}\"}");
    expect(parse("{{ node.0.urgency }}", { type: "integer" })).toBe("{{ node.0.urgency }}");
  });
  it("removes the argument when cleared", () => {
    expect(parse("", { type: "string" })).toBeUndefined();
  });
});
