// The modules the server offers, read once per page load: the block library and every form
// the editor draws come from their manifests.
import { useEffect, useState } from "react";
import { api } from "./client";
import type { BlockManifest, ModuleManifest, NodeJson } from "./types";

export type Block = { module: ModuleManifest; manifest: BlockManifest; kind: "trigger" | "action" };

export class Catalogue {
  private readonly blocks = new Map<string, Block>();

  constructor(readonly modules: ModuleManifest[]) {
    for (const module of modules) {
      for (const manifest of module.triggers ?? []) this.blocks.set(manifest.uuid, { module, manifest, kind: "trigger" });
      for (const manifest of module.actions ?? []) this.blocks.set(manifest.uuid, { module, manifest, kind: "action" });
    }
  }

  /** The block a node uses, when the server knows it. */
  blockOf(node: NodeJson): Block | undefined {
    const uuid = node.type === "trigger" ? node.trigger_uuid : node.action_uuid;
    return uuid ? this.blocks.get(uuid) : undefined;
  }

  module(uuid: string | undefined): ModuleManifest | undefined {
    return this.modules.find((m) => m.uuid === uuid);
  }

  all(): Block[] {
    return [...this.blocks.values()];
  }
}

let loading: Promise<Catalogue> | null = null;

async function load(): Promise<Catalogue> {
  const { data } = await api.GET("/api/v1/modules");
  if (!data) throw new Error("the modules could not be read");
  return new Catalogue(data.items as unknown as ModuleManifest[]);
}

/** The catalogue, or null while it loads. */
export function useCatalogue(): Catalogue | null {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  useEffect(() => {
    loading ??= load().catch((e: unknown) => {
      loading = null;
      throw e;
    });
    let live = true;
    loading.then((c) => live && setCatalogue(c)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return catalogue;
}

/** A node for `block`, as Sekoia writes it. */
export function nodeFor(block: Block): NodeJson {
  const base = { name: block.manifest.name, module_uuid: block.module.uuid, arguments: {} };
  return block.kind === "trigger"
    ? { ...base, type: "trigger", trigger_uuid: block.manifest.uuid }
    : { ...base, type: "action", action_uuid: block.manifest.uuid };
}
