// A block on the graph: its name, what it is, its `node.N` id, its issues and, over a run, its
// status as an icon and a word (never by colour alone). Handles are for the pointer (their
// title says which); from the keyboard, links are made in the block's panel.
import { Handle, type Node, type NodeProps, Position } from "@xyflow/react";
import { Fragment, memo } from "react";
import { STATUS_ICONS } from "../StatusText";

export type BlockData = {
  id: string;
  name: string;
  kind: string;
  isTrigger: boolean;
  branches: string[];
  issues: number;
  status?: string;
  logo?: string;
};

export type BlockFlowNode = Node<BlockData, "block">;


function BlockNodeView({ data, selected }: NodeProps<BlockFlowNode>) {
  const status = data.status;
  return (
    <div className={`block${selected ? " selected" : ""}${status ? ` status-${status}` : ""}`}>
      {!data.isTrigger && (
        <Handle type="target" position={Position.Top} title={`Link into ${data.name} (node.${data.id})`} />
      )}
      <div className="block-head">
        {data.logo && <img className="block-logo" src={data.logo} alt="" width={18} height={18} />}
        <span className="block-name">{data.name}</span>
        <code className="block-id">node.{data.id}</code>
      </div>
      <div className="block-foot">
        <span className="block-kind">{data.kind}</span>
        {data.issues > 0 && (
          <span className="block-issues" title="Issues in this block">
            ⚠ {data.issues === 1 ? "1 issue" : `${data.issues} issues`}
          </span>
        )}
        {status && (
          <span className="block-status">
            <span aria-hidden="true">{STATUS_ICONS[status] ?? "•"}</span> {status}
          </span>
        )}
      </div>
      {data.branches.map((branch, index) => {
        const left = `${((index + 1) * 100) / (data.branches.length + 1)}%`;
        return (
          <Fragment key={branch}>
            <Handle
              id={branch}
              type="source"
              position={Position.Bottom}
              style={{ left }}
              title={`Link from ${data.name} (node.${data.id})${branch === "default" ? "" : `, ${branch}`}`}
            />
            {/* Which handle is which branch, before a link of it says so on the graph. */}
            {data.branches.length > 1 && (
              <span className="handle-label" aria-hidden="true" style={{ left, maxWidth: `${100 / (data.branches.length + 1)}%` }}>
                {branch}
              </span>
            )}
          </Fragment>
        );
      })}
    </div>
  );
}

export const BlockNode = memo(BlockNodeView);
