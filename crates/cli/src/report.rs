//! The run as people read it: a table of nodes, then each node's arguments, results and logs.

use std::fmt::Write;

use chrono::{DateTime, SecondsFormat};
use riposte_engine::{NodeReport, RunReport};
use serde_json::Value;

/// Longest JSON value printed in full; longer ones are cut with a note.
const MAX_VALUE_CHARS: usize = 4_000;

pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    let duration =
        report.ended_at_ms.map(|end| format!(" in {}", duration(end - report.started_at_ms))).unwrap_or_default();
    let _ = writeln!(out, "Run {} of \"{}\": {}{duration}\n", report.id, report.playbook, report.status);
    out.push_str(&table(&report.nodes));
    for node in report.nodes.iter().filter(|n| n.started_at_ms.is_some()) {
        out.push('\n');
        out.push_str(&details(node));
    }
    out
}

fn label(node: &NodeReport) -> String {
    let mut label = node.node_id.clone();
    for index in &node.iteration {
        let _ = write!(label, "[{index}]");
    }
    label
}

fn table(nodes: &[NodeReport]) -> String {
    let rows: Vec<[String; 5]> = nodes
        .iter()
        .map(|n| {
            let took = match (n.started_at_ms, n.ended_at_ms) {
                (Some(start), Some(end)) => duration(end - start),
                _ => "-".into(),
            };
            [label(n), n.name.clone(), n.status.to_string(), n.attempts.to_string(), took]
        })
        .collect();
    let header = ["NODE", "NAME", "STATUS", "ATTEMPTS", "DURATION"].map(String::from);
    let widths: Vec<usize> =
        (0..5).map(|c| rows.iter().chain([&header]).map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

fn details(node: &NodeReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "== {} {} ({})", label(node), node.name, node.status);
    if let Some(start) = node.started_at_ms {
        let _ = writeln!(out, "started:   {}", timestamp(start));
    }
    if let Some(end) = node.ended_at_ms {
        let _ = writeln!(out, "ended:     {}", timestamp(end));
    }
    if !node.branches.is_empty() {
        let _ = writeln!(out, "branches:  {}", node.branches.join(", "));
    }
    for (title, value) in [("arguments", &node.arguments), ("results", &node.results)] {
        if let Some(value) = value {
            let _ = writeln!(out, "{title}:\n  {}", indent(&pretty(value)));
        }
    }
    if let Some(error) = &node.error {
        let _ = writeln!(out, "error:     {error}");
    }
    if !node.logs.is_empty() {
        let _ = writeln!(out, "logs:");
        for log in &node.logs {
            let _ = writeln!(out, "  {} {:<8} {}", log.date, format!("{:?}", log.level).to_lowercase(), log.message);
        }
    }
    out
}

fn pretty(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    if text.chars().count() <= MAX_VALUE_CHARS {
        return text;
    }
    let cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
    format!("{cut}\n... ({} characters in all; use --json for everything)", text.chars().count())
}

fn indent(text: &str) -> String {
    text.replace('\n', "\n  ")
}

fn duration(ms: i64) -> String {
    if ms < 1_000 { format!("{ms} ms") } else { format!("{:.2} s", ms as f64 / 1000.0) }
}

fn timestamp(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|d| d.to_rfc3339_opts(SecondsFormat::Millis, true)).unwrap_or_default()
}
