//! Running a ready node: actions become effects, operators run on the spot.

use riposte_model::ModificationType;
use riposte_template::{Compiled, TemplateError};
use serde_json::Value;

use super::compare::compare;
use super::{ActionCall, Effect, InstanceId, Run};
use crate::plan::{CaseStep, MAX_FOREACH_ITEMS_CEILING, Plan, Step, StoreStep};

impl Run {
    pub(super) fn execute(&mut self, plan: &Plan, id: InstanceId) {
        self.instances[id].started_at_ms = Some(self.now_ms);
        let node = self.instances[id].node;
        match &plan.nodes[node].step {
            Step::Trigger => self.succeed(plan, id, None, Vec::new()),
            Step::Action(step) => match self.render(plan, id, &step.arguments) {
                Ok(arguments) => {
                    self.instances[id].arguments = Some(arguments);
                    self.start_running(id);
                    self.call_action(plan, id);
                }
                Err(err) => self.fail(plan, id, format!("cannot render the arguments: {err}"), None),
            },
            Step::Condition(cases) => match self.choose_case(plan, id, cases) {
                Ok(branch) => self.succeed(plan, id, Some(serde_json::json!({ "branch": branch })), vec![branch]),
                Err(err) => self.fail(plan, id, err, None),
            },
            Step::Store(modifications) => match self.apply_store(plan, id, modifications) {
                Ok(()) => self.succeed(plan, id, Some(Value::Object(self.store.clone())), Vec::new()),
                Err(err) => self.fail(plan, id, err, None),
            },
            Step::Join(_) => self.succeed(plan, id, None, Vec::new()),
            Step::Foreach { items, concurrency, max_items } => match self.render_operand(plan, id, items) {
                Ok(Value::Array(items)) if items.len() > *max_items => {
                    let message = format!(
                        "a foreach takes at most {max_items} items, and these are {}: filter the list, split it \
                         (`items[:{max_items}]`) over several foreach blocks or runs, or raise the node's `max_items` \
                         (up to {MAX_FOREACH_ITEMS_CEILING})",
                        items.len()
                    );
                    self.fail(plan, id, message, None)
                }
                Ok(Value::Array(items)) => self.start_loop(plan, id, items, *concurrency),
                Ok(other) => self.fail(plan, id, format!("foreach items must be a list, got {}", short(&other)), None),
                Err(err) => self.fail(plan, id, format!("cannot render the items: {err}"), None),
            },
        }
    }

    /// Emits the next attempt of a running action.
    pub(super) fn call_action(&mut self, plan: &Plan, id: InstanceId) {
        self.instances[id].attempts += 1;
        if self.instances[id].attempts == 1
            && !self.memo.is_empty()
            && let Some(outcome) = self.memo.remove(&self.instance_path(plan, id))
        {
            // Succeeded before a restart: its outcome stands, nothing is called again.
            self.action_finished(plan, id, 1, outcome);
            return;
        }
        let call = self.action_call(plan, id);
        self.effects.push(Effect::Execute(call));
    }

    /// The current attempt of a running action.
    pub(super) fn action_call(&self, plan: &Plan, id: InstanceId) -> ActionCall {
        let instance = &self.instances[id];
        let node = &plan.nodes[instance.node];
        let Step::Action(step) = &node.step else { unreachable!("only action instances are called") };
        ActionCall {
            instance: id,
            attempt: instance.attempts,
            node_id: node.id.clone(),
            module_uuid: step.module_uuid.clone(),
            action_uuid: step.action_uuid.clone(),
            module_configuration_uuid: step.module_configuration_uuid.clone(),
            arguments: instance.arguments.clone().unwrap_or(Value::Null),
            timeout_ms: step.timeout_ms,
            idempotency_key: format!("{}:{}", self.id, self.instance_path(plan, id)),
        }
    }

    fn render(&self, plan: &Plan, id: InstanceId, compiled: &Compiled) -> Result<Value, TemplateError> {
        plan.templates.render(compiled, &self.render_context(id))
    }

    /// Operator values follow Jinja's native rendering: rendered text that reads as a literal
    /// (`"[{{ 10 }}, {{ 100 }}]"`, `"['a', 'b']"`, `"42"`) becomes that value.
    pub(super) fn render_operand(
        &self,
        plan: &Plan,
        id: InstanceId,
        compiled: &Compiled,
    ) -> Result<Value, TemplateError> {
        let value = self.render(plan, id, compiled)?;
        Ok(match (&value, compiled.is_literal()) {
            (Value::String(text), false) => riposte_template::literal_eval(text).unwrap_or(value),
            _ => value,
        })
    }

    /// The first case that holds gives the branch; `else` when none does.
    fn choose_case(&self, plan: &Plan, id: InstanceId, cases: &[CaseStep]) -> Result<String, String> {
        for case in cases {
            let left =
                self.render_operand(plan, id, &case.left).map_err(|e| format!("case `{}`, left: {e}", case.name))?;
            let right =
                self.render_operand(plan, id, &case.right).map_err(|e| format!("case `{}`, right: {e}", case.name))?;
            if compare(&left, case.comparison, &right, case.value_type)
                .map_err(|e| format!("case `{}`: {e}", case.name))?
            {
                return Ok(case.name.clone());
            }
        }
        Ok("else".to_string())
    }

    fn apply_store(&mut self, plan: &Plan, id: InstanceId, modifications: &[StoreStep]) -> Result<(), String> {
        for m in modifications {
            let value = match &m.value {
                Some(compiled) => {
                    Some(self.render_operand(plan, id, compiled).map_err(|e| format!("store `{}`: {e}", m.key))?)
                }
                None => None,
            };
            match (m.kind, value) {
                (ModificationType::Set, Some(value)) => {
                    self.store.insert(m.key.clone(), value);
                }
                (ModificationType::Unset, _) => {
                    self.store.remove(&m.key);
                }
                (ModificationType::Append, Some(value)) => {
                    match self.store.entry(m.key.clone()).or_insert(Value::Array(Vec::new())) {
                        Value::Array(list) => list.push(value),
                        other => {
                            return Err(format!(
                                "cannot append to store `{}`: it holds {}, not a list",
                                m.key,
                                short(other)
                            ));
                        }
                    }
                }
                (ModificationType::Remove, Some(value)) => match self.store.get_mut(&m.key) {
                    Some(Value::Array(list)) => list.retain(|item| *item != value),
                    Some(other) => {
                        return Err(format!(
                            "cannot remove from store `{}`: it holds {}, not a list",
                            m.key,
                            short(other)
                        ));
                    }
                    None => {}
                },
                (kind, None) => return Err(format!("store `{}`: `{kind:?}` needs a value", m.key)),
            }
        }
        self.store_value = riposte_template::to_value(&self.store);
        Ok(())
    }

    /// `node-id` outside loops, `node-id[2]` in the third iteration, `node-id[2][0]` when nested.
    pub(super) fn instance_path(&self, plan: &Plan, id: InstanceId) -> String {
        let instance = &self.instances[id];
        let mut path = plan.nodes[instance.node].id.clone();
        for index in self.iteration_path(instance.frame) {
            path.push_str(&format!("[{index}]"));
        }
        path
    }

    /// Indexes of the loop iterations enclosing `frame`, outermost first.
    pub(super) fn iteration_path(&self, mut frame: super::FrameId) -> Vec<usize> {
        let mut indexes = Vec::new();
        while let Some((_, index)) = self.frames[frame].iteration {
            indexes.push(index);
            frame = self.frames[frame].parent.unwrap_or(0);
        }
        indexes.reverse();
        indexes
    }
}

/// A value, abbreviated for an error message.
pub(super) fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 { format!("{}...", text.chars().take(80).collect::<String>()) } else { text }
}
