use std::sync::Arc;

use riposte_model::Catalogue;
use riposte_store::Store;
use riposte_worker::RunService;

use crate::auth::Keys;
use crate::secrets::Sealer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub runs: Arc<RunService>,
    pub catalogue: Arc<Catalogue>,
    pub keys: Arc<Keys>,
    pub sealer: Sealer,
}
