use std::future::Future;
use std::pin::Pin;

use riposte_model::{ActionManifest, ActionOutcome, Failure, FailureKind};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::{ActionContext, ActionError, schema_of};

/// What the manifest says about an action besides its schemas.
#[derive(Debug, Clone, Copy)]
pub struct ActionInfo {
    pub name: &'static str,
    pub description: &'static str,
    /// The command that selects this action in the module's binary (`argv[1]`).
    pub docker_parameters: &'static str,
    /// A fixed UUID, to match an existing manifest; otherwise `uuid5(module_uuid, name)`.
    pub uuid: Option<&'static str>,
    /// Arguments holding secrets, never shown back to users.
    pub secret_arguments: &'static [&'static str],
    /// Output branches the action may choose with `set_output`, with their descriptions.
    pub outputs: &'static [(&'static str, &'static str)],
}

/// A playbook action: typed arguments in, typed results out.
pub trait Action: Send + Sync + 'static {
    type Arguments: DeserializeOwned + JsonSchema + Send;
    type Results: Serialize + JsonSchema + 'static;

    const INFO: ActionInfo;

    fn run(
        &self,
        ctx: &mut ActionContext,
        arguments: Self::Arguments,
    ) -> impl Future<Output = Result<Self::Results, ActionError>> + Send;
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An action behind a pointer, with JSON arguments and outcome: what hosts call.
pub trait DynAction: Send + Sync {
    fn info(&self) -> &ActionInfo;
    fn manifest(&self, module_uuid: &str) -> ActionManifest;
    fn call<'a>(&'a self, ctx: ActionContext, arguments: Value) -> BoxFuture<'a, ActionOutcome>;
}

impl<A: Action> DynAction for A {
    fn info(&self) -> &ActionInfo {
        &A::INFO
    }

    fn manifest(&self, module_uuid: &str) -> ActionManifest {
        let info = &A::INFO;
        let mut arguments = schema_of::<A::Arguments>();
        if !info.secret_arguments.is_empty()
            && let Some(object) = arguments.as_object_mut()
        {
            object.insert("secrets".into(), json!(info.secret_arguments));
        }
        ActionManifest {
            uuid: info.uuid.map(str::to_string).unwrap_or_else(|| component_uuid(module_uuid, info.name)),
            name: info.name.to_string(),
            description: info.description.to_string(),
            docker_parameters: info.docker_parameters.to_string(),
            arguments,
            results: schema_of::<A::Results>(),
            outputs: (!info.outputs.is_empty())
                .then(|| info.outputs.iter().map(|(name, text)| (name.to_string(), json!(text))).collect()),
            slug: None,
            extra: Default::default(),
        }
    }

    fn call<'a>(&'a self, mut ctx: ActionContext, arguments: Value) -> BoxFuture<'a, ActionOutcome> {
        Box::pin(async move {
            let arguments = match decode::<A::Arguments>(arguments, "argument") {
                Ok(arguments) => arguments,
                Err(error) => return failed(ctx, error),
            };
            match self.run(&mut ctx, arguments).await {
                Ok(results) => finished(ctx, results),
                Err(error) => failed(ctx, error),
            }
        })
    }
}

/// Decodes JSON into a component's type; the error names the faulty field (`field` is what a
/// field is called: "argument", "trigger setting", ...).
pub(crate) fn decode<T: DeserializeOwned>(value: Value, field: &str) -> Result<T, ActionError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let at = e.path().to_string();
        let message = if at == "." {
            format!("invalid {field}s: {}", e.inner())
        } else {
            format!("invalid {field} `{at}`: {}", e.inner())
        };
        ActionError::fatal(message)
    })
}

fn finished<R: Serialize + 'static>(ctx: ActionContext, results: R) -> ActionOutcome {
    let results = match into_json(results) {
        Ok(Value::Null) => None,
        Ok(value) => Some(value),
        Err(e) => return failed(ctx, ActionError::fatal(format!("results are invalid: {e}"))),
    };
    let error = ctx.error.map(|message| Failure { kind: FailureKind::Action, message });
    ActionOutcome { results, error, outputs: ctx.outputs, logs: ctx.logs }
}

/// Results as JSON values. Results that are JSON values already (an action that passes on what
/// a tool answered) are taken as they are: converting them would copy them whole.
fn into_json<R: Serialize + 'static>(results: R) -> serde_json::Result<Value> {
    let mut results = Some(results);
    let any: &mut dyn std::any::Any = &mut results;
    if let Some(value) = any.downcast_mut::<Option<Value>>() {
        return Ok(value.take().unwrap_or_default());
    }
    if let Some(map) = any.downcast_mut::<Option<serde_json::Map<String, Value>>>() {
        return Ok(map.take().map(Value::Object).unwrap_or_default());
    }
    serde_json::to_value(&results)
}

fn failed(ctx: ActionContext, error: ActionError) -> ActionOutcome {
    ActionOutcome {
        results: None,
        error: Some(Failure { kind: error.kind, message: error.message }),
        outputs: ctx.outputs,
        logs: ctx.logs,
    }
}

/// `uuid5(module_uuid, name)`, as Sekoia's generator names components.
pub(crate) fn component_uuid(module_uuid: &str, name: &str) -> String {
    let namespace = uuid::Uuid::parse_str(module_uuid).unwrap_or(uuid::Uuid::NAMESPACE_OID);
    uuid::Uuid::new_v5(&namespace, name.as_bytes()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// Greets someone.
    struct Greet;

    #[derive(Deserialize, JsonSchema)]
    struct GreetArguments {
        /// Who to greet
        name: String,
        #[serde(default)]
        shout: bool,
    }

    #[derive(Serialize, JsonSchema)]
    struct Greeting {
        /// The greeting
        text: String,
    }

    impl Action for Greet {
        type Arguments = GreetArguments;
        type Results = Greeting;
        const INFO: ActionInfo = ActionInfo {
            name: "Greet",
            description: "Greets someone",
            docker_parameters: "greet",
            uuid: None,
            secret_arguments: &[],
            outputs: &[("loud", "when shouting")],
        };

        async fn run(&self, ctx: &mut ActionContext, args: GreetArguments) -> Result<Greeting, ActionError> {
            ctx.info(format!("greeting {}", args.name));
            if args.name.is_empty() {
                return Err(ActionError::action("nobody to greet"));
            }
            if args.shout {
                ctx.set_output("loud");
                ctx.error("too loud");
            }
            Ok(Greeting { text: format!("hello {}", args.name) })
        }
    }

    #[tokio::test]
    async fn outcomes_carry_results_logs_errors_and_branches() {
        let outcome = Greet.call(ActionContext::default(), json!({"name": "ana"})).await;
        assert_eq!(outcome.results, Some(json!({"text": "hello ana"})));
        assert!(outcome.error.is_none());
        assert_eq!(outcome.logs[0].message, "greeting ana");

        let outcome = Greet.call(ActionContext::default(), json!({"name": "bo", "shout": true})).await;
        assert_eq!(outcome.results, Some(json!({"text": "hello bo"})), "results survive an error()");
        assert_eq!(outcome.error.unwrap().message, "too loud");
        assert_eq!(outcome.outputs, vec!["loud"]);

        let outcome = Greet.call(ActionContext::default(), json!({"name": ""})).await;
        assert_eq!(outcome.error.unwrap().kind, FailureKind::Action);
    }

    #[tokio::test]
    async fn bad_arguments_name_the_field() {
        let outcome = Greet.call(ActionContext::default(), json!({"name": 5})).await;
        let error = outcome.error.unwrap();
        assert_eq!(error.kind, FailureKind::Fatal);
        assert!(error.message.starts_with("invalid argument `name`: invalid type: integer `5`"), "{}", error.message);
        let outcome = Greet.call(ActionContext::default(), json!({})).await;
        assert!(outcome.error.unwrap().message.contains("missing field `name`"));
    }

    #[test]
    fn results_that_are_json_already_are_not_copied() {
        let numbers = Value::Array(vec![json!(1); 1000]);
        let at = numbers.as_array().unwrap().as_ptr();
        let mut map = serde_json::Map::new();
        map.insert("numbers".into(), numbers);
        let taken = into_json(map).unwrap();
        assert_eq!(taken["numbers"].as_array().unwrap().as_ptr(), at, "the same values, moved");
        let value = json!({"n": [1, 2]});
        let at = value["n"].as_array().unwrap().as_ptr();
        assert_eq!(into_json(value).unwrap()["n"].as_array().unwrap().as_ptr(), at);
        assert_eq!(into_json(Greeting { text: "hi".into() }).unwrap(), json!({"text": "hi"}));
        assert_eq!(into_json(()).unwrap(), Value::Null);
    }

    #[test]
    fn manifests_come_from_the_types() {
        let manifest = Greet.manifest("92d8bb47-7c51-445d-81de-ae04edbb6f0a");
        assert_eq!(manifest.uuid, component_uuid("92d8bb47-7c51-445d-81de-ae04edbb6f0a", "Greet"));
        assert_eq!(manifest.arguments["properties"]["name"]["description"], "Who to greet");
        assert_eq!(manifest.arguments["required"], json!(["name"]));
        assert_eq!(manifest.results["properties"]["text"]["description"], "The greeting");
        assert_eq!(manifest.outputs.unwrap()["loud"], "when shouting");
    }
}
