import type { components } from "./schema";

// Shapes the API describes only as `Object`: Sekoia's playbook JSON and module manifests.

export type Position = { x: number; y: number };

/** One block of a playbook, as Sekoia's JSON has it (unknown fields are kept as they are). */
export type NodeJson = {
  name: string;
  type: "trigger" | "action" | "operator";
  subtype?: string;
  module_uuid?: string;
  action_uuid?: string;
  trigger_uuid?: string;
  arguments?: Record<string, unknown>;
  module_configuration_uuid?: string | null;
  outputs?: Record<string, string[]>;
  cases?: CaseJson[];
  /** A foreach's list: a template, or the list itself. */
  items?: unknown;
  loop?: string[];
  modifications?: ModificationJson[];
  concurrency?: number;
  max_items?: number;
  position?: Position;
  timeout?: number;
  retry?: { max_attempts?: number; [key: string]: unknown };
  continue_on_error?: boolean;
  [key: string]: unknown;
};

/** One case of a condition: `left comparison right`; its name is also its branch. */
export type CaseJson = {
  name: string;
  left?: unknown;
  comparison?: string;
  right?: unknown;
  description?: string;
  /** `string` or `integer`: what both sides are read as before comparing. */
  value_type?: string;
  [key: string]: unknown;
};

/** One change a store makes to the run's store. */
export type ModificationJson = { key: string; type: string; value?: unknown; [key: string]: unknown };

export type PlaybookJson = {
  name: string;
  description?: string;
  uuid?: string;
  nodes: Record<string, NodeJson>;
  [key: string]: unknown;
};

/** The part of JSON Schema module manifests use. */
export type JsonSchema = {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  default?: unknown;
  secrets?: string[];
  [key: string]: unknown;
};

export type BlockManifest = {
  uuid: string;
  name: string;
  description?: string;
  arguments?: JsonSchema;
  results?: JsonSchema;
};

export type ModuleManifest = {
  uuid: string;
  name: string;
  slug: string;
  version: string;
  description?: string;
  configuration?: JsonSchema;
  /** Left out when the module has none. */
  actions?: BlockManifest[];
  triggers?: BlockManifest[];
  builtin?: boolean;
  /** Where the module's logo is served, when it has one. */
  logo?: string;
};

/** A problem or warning of the server's validator: where (a JSON path) and what. */
export type Diagnostic = components["schemas"]["Diagnostic"];
