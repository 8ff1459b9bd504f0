//! Validation and compilation of a playbook into a [`Plan`].

use riposte_model::{Catalogue, ModificationType, Node, NodeType, OperatorKind, Playbook, RetryPolicy};
use riposte_template::{Compiled, Mode, TemplateError, TemplateSet};
use serde_json::Value;

use crate::diagnostic::{Diagnostic, child_path, node_path};
use crate::graph::{Graph, LOOP_BRANCH};
use crate::plan::*;
use crate::schema::{check_arguments, check_trigger_arguments, for_each_string, wants_json};

pub(crate) struct Builder<'a> {
    playbook: &'a Playbook,
    catalogue: &'a Catalogue,
    graph: Graph,
    templates: TemplateSet,
    diags: Vec<Diagnostic>,
    /// What is odd but runs.
    warnings: Vec<Diagnostic>,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(playbook: &'a Playbook, catalogue: &'a Catalogue) -> Self {
        Builder {
            playbook,
            catalogue,
            graph: Graph::new(playbook),
            templates: TemplateSet::default(),
            diags: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The plan, or every problem; and the warnings either way.
    pub(crate) fn build(mut self) -> (Result<Plan, Vec<Diagnostic>>, Vec<Diagnostic>) {
        let nodes: Vec<Option<PlanNode>> = self.playbook.nodes.iter().map(|(id, node)| self.node(id, node)).collect();
        self.check_edges();
        let triggers = self.check_triggers();
        if !triggers.is_empty() {
            self.check_reached(&triggers);
        }
        self.check_cycles();
        self.check_loop_bodies();
        self.check_node_references();
        let warnings = std::mem::take(&mut self.warnings);
        if !self.diags.is_empty() {
            return (Err(self.diags), warnings);
        }
        let body_sizes = (0..self.graph.len())
            .map(|f| (0..self.graph.len()).filter(|&n| self.graph.scope[n] == Some(f)).count())
            .collect();
        let plan = Plan {
            name: self.playbook.name.clone(),
            nodes: nodes.into_iter().map(|n| n.expect("no diagnostics means every node compiled")).collect(),
            triggers,
            graph: self.graph,
            templates: self.templates,
            body_sizes,
        };
        (Ok(plan), warnings)
    }

    fn error(&mut self, node: &str, suffix: &str, message: impl Into<String>, hint: Option<String>) {
        let mut diag = Diagnostic::at_node(node, suffix, message);
        diag.hint = hint;
        self.diags.push(diag);
    }

    fn node(&mut self, id: &str, node: &Node) -> Option<PlanNode> {
        let step = match node.node_type {
            NodeType::Trigger => self.trigger(id, node),
            NodeType::Action => self.action(id, node).map(Step::Action),
            NodeType::Operator => self.operator(id, node),
        }?;
        self.check_branches(id, node, &step);
        Some(PlanNode { id: id.to_string(), name: node.name.clone(), step, continue_on_error: node.continue_on_error })
    }

    fn required<'n>(&mut self, id: &str, field: &str, value: &'n Option<String>, hint: &str) -> Option<&'n str> {
        match value.as_deref() {
            Some(v) if !v.trim().is_empty() => Some(v),
            _ => {
                self.error(id, &format!(".{field}"), format!("`{field}` is missing"), Some(hint.to_string()));
                None
            }
        }
    }

    fn trigger(&mut self, id: &str, node: &Node) -> Option<Step> {
        let module = self.required(id, "module_uuid", &node.module_uuid, "a trigger names the module it comes from");
        let trigger = self.required(id, "trigger_uuid", &node.trigger_uuid, "a trigger names its trigger_uuid");
        let (module, trigger) = (module?, trigger?);
        if self.known_module(id, module) {
            match self.catalogue.trigger(module, trigger) {
                Some(manifest) => {
                    let arguments = node.arguments.clone().unwrap_or_default();
                    check_trigger_arguments(id, &arguments, &manifest.arguments, &mut self.diags);
                }
                None => self.error(
                    id,
                    ".trigger_uuid",
                    format!("module {module} has no trigger {trigger}"),
                    Some(self.component_names(module, "triggers")),
                ),
            }
        }
        Some(Step::Trigger)
    }

    fn action(&mut self, id: &str, node: &Node) -> Option<ActionStep> {
        let module = self.required(id, "module_uuid", &node.module_uuid, "an action names the module it comes from");
        let action = self.required(id, "action_uuid", &node.action_uuid, "an action names its action_uuid");
        let policy = self.policy(id, node);
        let (module, action, (retry, timeout_ms)) = (module?, action?, policy?);
        let arguments = node.arguments.clone().unwrap_or_default();
        let mut schema = Value::Null;
        if self.known_module(id, module) {
            match self.catalogue.action(module, action) {
                Some(manifest) => {
                    schema = manifest.arguments.clone();
                    check_arguments(id, &arguments, &schema, &mut self.diags);
                }
                None => self.error(
                    id,
                    ".action_uuid",
                    format!("module {module} has no action {action}"),
                    Some(self.component_names(module, "actions")),
                ),
            }
        }
        let mut compiled = Vec::with_capacity(arguments.len());
        for (key, value) in &arguments {
            let mode = if wants_json(&schema, key) { Mode::Json } else { Mode::Value };
            let suffix = child_path(".arguments", key);
            compiled.push((key.clone(), self.compile(id, &suffix, value, mode)?));
        }
        let arguments = if compiled.iter().all(|(_, c)| c.is_literal()) {
            Compiled::Literal(Value::Object(arguments))
        } else {
            Compiled::Object(compiled)
        };
        Some(ActionStep {
            module_uuid: module.to_string(),
            action_uuid: action.to_string(),
            module_configuration_uuid: node.module_configuration_uuid.clone(),
            arguments,
            secret_arguments: riposte_model::schema_secrets(&schema),
            retry,
            timeout_ms,
        })
    }

    fn policy(&mut self, id: &str, node: &Node) -> Option<(RetryPolicy, u64)> {
        let retry = node.retry.clone().unwrap_or_default();
        let mut ok = true;
        for (field, problem) in retry_problems(&retry) {
            self.error(id, &format!(".retry.{field}"), problem, None);
            ok = false;
        }
        let timeout_ms = match node.timeout {
            None => DEFAULT_TIMEOUT_MS,
            Some(seconds) if seconds > 0.0 && seconds * 1000.0 <= MAX_DELAY_MS as f64 => {
                (seconds * 1000.0).ceil() as u64
            }
            Some(seconds) => {
                self.error(
                    id,
                    ".timeout",
                    format!(
                        "timeout must be a number of seconds above 0 and at most {}, got {seconds}",
                        MAX_DELAY_MS / 1000
                    ),
                    None,
                );
                ok = false;
                0
            }
        };
        ok.then_some((retry, timeout_ms))
    }

    fn known_module(&mut self, id: &str, module: &str) -> bool {
        let known = self.catalogue.module(module).is_some();
        if !known {
            let installed: Vec<String> =
                self.catalogue.modules().iter().map(|m| format!("{} ({})", m.name, m.uuid)).collect();
            self.error(
                id,
                ".module_uuid",
                format!("unknown module {module}"),
                Some(format!("install the module first; installed modules: {}", installed.join(", "))),
            );
        }
        known
    }

    fn component_names(&self, module: &str, kind: &str) -> String {
        let Some(manifest) = self.catalogue.module(module) else { return String::new() };
        let names: Vec<String> = match kind {
            "actions" => manifest.actions.iter().map(|a| format!("{} ({})", a.name, a.uuid)).collect(),
            _ => manifest.triggers.iter().map(|t| format!("{} ({})", t.name, t.uuid)).collect(),
        };
        format!("{kind} of {}: {}", manifest.name, names.join(", "))
    }

    fn operator(&mut self, id: &str, node: &Node) -> Option<Step> {
        let Some(kind) = node.operator_kind() else {
            let got = node.subtype.as_deref().unwrap_or("nothing");
            self.error(
                id,
                ".subtype",
                format!("unknown operator subtype `{got}`"),
                Some(format!("use one of {}", OperatorKind::NAMES)),
            );
            return None;
        };
        match kind {
            OperatorKind::Condition => self.condition(id, node),
            OperatorKind::Foreach => self.foreach(id, node),
            OperatorKind::Store => self.store(id, node),
            OperatorKind::Any => Some(Step::Join(JoinMode::Any)),
            OperatorKind::All => Some(Step::Join(JoinMode::All)),
        }
    }

    fn condition(&mut self, id: &str, node: &Node) -> Option<Step> {
        let cases = match node.cases.as_deref() {
            Some(cases) if !cases.is_empty() => cases,
            _ => {
                self.error(
                    id,
                    ".cases",
                    "a condition needs at least one case",
                    Some("add {name, left, comparison, right}".into()),
                );
                return None;
            }
        };
        let mut steps = Vec::with_capacity(cases.len());
        for (i, case) in cases.iter().enumerate() {
            let value_type = match case.value_type.as_deref() {
                None | Some("") => None,
                Some("string") => Some(ValueType::String),
                Some("integer") => Some(ValueType::Integer),
                Some(other) => {
                    self.error(
                        id,
                        &format!(".cases[{i}].value_type"),
                        format!("unknown value_type `{other}`"),
                        Some("use string or integer".into()),
                    );
                    None
                }
            };
            if cases[..i].iter().any(|c| c.name == case.name) {
                self.error(
                    id,
                    &format!(".cases[{i}].name"),
                    format!("two cases are named `{}`", case.name),
                    Some("case names are branch names: make them unique".into()),
                );
            }
            let left = self.compile(id, &format!(".cases[{i}].left"), &case.left, Mode::Value);
            let right = self.compile(id, &format!(".cases[{i}].right"), &case.right, Mode::Value);
            steps.push(CaseStep {
                name: case.name.clone(),
                left: left?,
                comparison: case.comparison,
                right: right?,
                value_type,
            });
        }
        Some(Step::Condition(steps))
    }

    fn foreach(&mut self, id: &str, node: &Node) -> Option<Step> {
        if node.loop_entries.as_ref().is_none_or(Vec::is_empty) && !node.outputs.contains_key(LOOP_BRANCH) {
            self.error(
                id,
                ".loop",
                "a foreach needs a loop body",
                Some("list the first node(s) of the body in `loop`".into()),
            );
        }
        let concurrency = match node.concurrency {
            None => DEFAULT_FOREACH_CONCURRENCY,
            Some(0) => {
                self.error(id, ".concurrency", "must be at least 1", None);
                return None;
            }
            Some(n) => n as usize,
        };
        let Some(items) = &node.items else {
            self.error(id, ".items", "a foreach needs `items`", Some("e.g. \"{{ node.1['items'] }}\"".into()));
            return None;
        };
        let max_items = match node.max_items.map(|n| n as usize) {
            None => MAX_FOREACH_ITEMS,
            Some(n) if (1..=MAX_FOREACH_ITEMS_CEILING).contains(&n) => n,
            Some(n) => {
                let message = format!("must be between 1 and {MAX_FOREACH_ITEMS_CEILING}, got {n}");
                self.error(id, ".max_items", message, None);
                return None;
            }
        };
        let items = self.compile(id, ".items", items, Mode::Value)?;
        Some(Step::Foreach { items, concurrency, max_items })
    }

    fn store(&mut self, id: &str, node: &Node) -> Option<Step> {
        let Some(modifications) = node.modifications.as_deref().filter(|m| !m.is_empty()) else {
            self.error(
                id,
                ".modifications",
                "a store needs at least one modification",
                Some("add {key, type, value}".into()),
            );
            return None;
        };
        let mut steps = Vec::with_capacity(modifications.len());
        for (i, m) in modifications.iter().enumerate() {
            let value = match (&m.value, m.kind) {
                (None, ModificationType::Unset) => None,
                (None, kind) => {
                    self.error(id, &format!(".modifications[{i}].value"), format!("`{kind:?}` needs a value"), None);
                    continue;
                }
                (Some(v), _) => Some(self.compile(id, &format!(".modifications[{i}].value"), v, Mode::Value)?),
            };
            steps.push(StoreStep { key: m.key.clone(), kind: m.kind, value });
        }
        Some(Step::Store(steps))
    }

    fn compile(&mut self, id: &str, suffix: &str, value: &Value, mode: Mode) -> Option<Compiled> {
        match self.templates.compile(value, mode) {
            Ok(compiled) => Some(compiled),
            Err(TemplateError::Syntax { at, line, message }) => {
                self.error(
                    id,
                    &format!("{suffix}{at}"),
                    format!("template syntax error at line {line}: {message}"),
                    Some("check the {{ }} and {% %} pairs".into()),
                );
                None
            }
            Err(other) => {
                self.error(id, suffix, other.to_string(), None);
                None
            }
        }
    }

    /// Branch names must be ones the node can take.
    fn check_branches(&mut self, id: &str, node: &Node, step: &Step) {
        let allowed: Vec<String> = match step {
            Step::Condition(cases) => cases.iter().map(|c| c.name.clone()).chain(["else".to_string()]).collect(),
            Step::Foreach { .. } => vec!["default".into(), LOOP_BRANCH.into()],
            Step::Action(action) => {
                let declared =
                    self.catalogue.action(&action.module_uuid, &action.action_uuid).and_then(|a| a.outputs.as_ref());
                match declared {
                    Some(outputs) => outputs.keys().cloned().chain(["default".to_string()]).collect(),
                    None => return,
                }
            }
            _ => vec!["default".into()],
        };
        for branch in node.outputs.keys().filter(|b| !allowed.contains(b)) {
            self.error(
                id,
                &child_path(".outputs", branch),
                format!("this node has no branch `{branch}`"),
                Some(format!("its branches are: {}", allowed.join(", "))),
            );
        }
    }

    fn check_edges(&mut self) {
        let mut missing = Vec::new();
        for (id, node) in &self.playbook.nodes {
            let loops = node.loop_entries.iter().flatten().enumerate().map(|(i, t)| (format!(".loop[{i}]"), t));
            let branches = node.outputs.iter().flat_map(|(b, targets)| {
                targets.iter().enumerate().map(move |(i, t)| (format!("{}[{i}]", child_path(".outputs", b)), t))
            });
            for (suffix, target) in branches.chain(loops) {
                if !self.graph.index.contains_key(target) {
                    missing.push((id.clone(), suffix, target.clone()));
                }
            }
        }
        for (id, suffix, target) in missing {
            self.error(
                &id,
                &suffix,
                format!("edge to node `{target}`, which does not exist"),
                Some("remove the edge or add the node".into()),
            );
        }
    }

    /// Every trigger starts runs; none may be the target of an edge.
    fn check_triggers(&mut self) -> Vec<usize> {
        let triggers: Vec<usize> = self
            .playbook
            .nodes
            .values()
            .enumerate()
            .filter(|(_, n)| n.node_type == NodeType::Trigger)
            .map(|(i, _)| i)
            .collect();
        if triggers.is_empty() {
            self.diags
                .push(Diagnostic::new("$.nodes", "the playbook has no trigger").hint("add a node of type `trigger`"));
        }
        for &trigger in &triggers {
            if !self.graph.incoming[trigger].is_empty() {
                let id = self.graph.ids[trigger].clone();
                self.error(&id, "", "a trigger cannot be the target of an edge", Some("a trigger starts a run".into()));
            }
        }
        triggers
    }

    /// A block that no path from a trigger reaches never runs: said, not refused (a playbook is
    /// often saved half built).
    fn check_reached(&mut self, triggers: &[usize]) {
        let mut reached = vec![false; self.graph.len()];
        let mut next: Vec<usize> = triggers.to_vec();
        while let Some(node) = next.pop() {
            if std::mem::replace(&mut reached[node], true) {
                continue;
            }
            next.extend(self.graph.outgoing[node].iter().map(|&edge| self.graph.edges[edge].to));
        }
        for (node, _) in reached.iter().enumerate().filter(|(_, reached)| !**reached) {
            let id = self.graph.ids[node].clone();
            let message = if self.graph.incoming[node].is_empty() {
                "no block leads to this one: it never runs"
            } else {
                "no path from a trigger leads to this block: it never runs"
            };
            let mut warning = Diagnostic::at_node(&id, "", message);
            warning.hint = Some("link it from the trigger or from a block that runs, or delete it".into());
            self.warnings.push(warning);
        }
    }

    fn check_cycles(&mut self) {
        if let Some(cycle) = self.graph.find_cycle() {
            let ids: Vec<&str> = cycle.iter().map(|&n| self.graph.ids[n].as_str()).collect();
            let first = ids[0].to_string();
            self.error(
                &first,
                ".outputs",
                format!("the playbook loops: {}", ids.join(" -> ")),
                Some("use a foreach operator to repeat nodes; a loop body ends without an edge back".into()),
            );
        }
    }

    /// A loop body is entered only through its foreach and ends inside itself.
    fn check_loop_bodies(&mut self) {
        let mut problems = Vec::new();
        for (edge_id, edge) in self.graph.edges.iter().enumerate() {
            let (from_scope, to_scope) = (self.graph.scope[edge.from], self.graph.scope[edge.to]);
            let enters_properly = edge.is_loop && to_scope == Some(edge.from);
            if from_scope != to_scope && !enters_properly {
                problems.push((edge_id, edge.from, edge.to));
            }
        }
        for (_, from, to) in problems {
            let (from_id, to_id) = (self.graph.ids[from].clone(), self.graph.ids[to].clone());
            let message = match self.graph.scope[to] {
                Some(f) if self.graph.scope[from] != Some(f) && !self.graph.enclosing(from).contains(&f) => format!(
                    "edge into the loop body of foreach `{}` from outside it (to node `{to_id}`)",
                    self.graph.ids[f]
                ),
                _ => format!("edge from inside a loop body to node `{to_id}` outside it"),
            };
            self.error(
                &from_id,
                ".outputs",
                message,
                Some("a loop body starts from the foreach's `loop` and ends with nodes that have no outputs".into()),
            );
        }
    }

    /// A template may only read `node.N` when N can have run before the node that reads it.
    fn check_node_references(&mut self) {
        let (mut problems, mut missing) = (Vec::new(), Vec::new());
        for (index, (id, node)) in self.playbook.nodes.iter().enumerate() {
            let mut visit = |suffix: String, value: &Value| {
                for_each_string(value, &node_path(id, &suffix), &mut |path, text| {
                    if !riposte_template::is_template(text) {
                        return;
                    }
                    for referenced in riposte_template::node_references(text) {
                        match self.graph.index.get(&referenced) {
                            // Sekoia saves and runs playbooks that read a node since deleted.
                            None => missing.push((id.clone(), path.to_string(), referenced)),
                            Some(&r) if !self.graph.may_precede(r, index) => problems.push((
                                id.clone(),
                                path.to_string(),
                                format!(
                                    "reads `node.{referenced}`, but node `{referenced}` cannot have run before node `{id}`"
                                ),
                            )),
                            Some(_) => {}
                        }
                    }
                });
            };
            for (key, value) in node.arguments.iter().flatten() {
                visit(child_path(".arguments", key), value);
            }
            for (i, case) in node.cases.iter().flatten().enumerate() {
                visit(format!(".cases[{i}].left"), &case.left);
                visit(format!(".cases[{i}].right"), &case.right);
            }
            if let Some(items) = &node.items {
                visit(".items".into(), items);
            }
            for (i, m) in node.modifications.iter().flatten().enumerate() {
                if let Some(value) = &m.value {
                    visit(format!(".modifications[{i}].value"), value);
                }
            }
        }
        for (id, path, message) in problems {
            self.diags.push(Diagnostic {
                node: Some(id),
                path,
                message,
                hint: Some("templates read nodes that come earlier on a path to this node".into()),
            });
        }
        for (id, path, referenced) in missing {
            self.warnings.push(Diagnostic {
                node: Some(id),
                path,
                message: format!("reads `node.{referenced}`, but there is no node `{referenced}`"),
                hint: Some(format!(
                    "at run time this is a read of a node that did not run: `node.{referenced} is defined` is false and `| default(...)` gives its default; printing it or reading into it fails the node"
                )),
            });
        }
    }
}

/// Largest growth factor between two retry delays.
const MAX_MULTIPLIER: f64 = 100.0;

/// What is wrong with a retry policy, field by field.
fn retry_problems(retry: &riposte_model::RetryPolicy) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if retry.max_attempts == 0 || retry.max_attempts > MAX_ATTEMPTS {
        problems.push(("max_attempts", format!("must be between 1 (no retry) and {MAX_ATTEMPTS}")));
    }
    for (field, value) in [("initial_backoff_ms", retry.initial_backoff_ms), ("max_backoff_ms", retry.max_backoff_ms)] {
        if value > MAX_DELAY_MS {
            problems.push((field, format!("must be at most {MAX_DELAY_MS} (a day), got {value}")));
        }
    }
    if !(1.0..=MAX_MULTIPLIER).contains(&retry.multiplier) {
        problems.push(("multiplier", format!("must be between 1 and {MAX_MULTIPLIER}, got {}", retry.multiplier)));
    }
    if !(0.0..=1.0).contains(&retry.jitter) {
        problems.push(("jitter", format!("must be between 0 and 1, got {}", retry.jitter)));
    }
    problems
}
