//! Every way a run starts: stored first (with the change that starts it, in one write), then
//! handed to the run service, which would otherwise find it at its next scan of the store.

use riposte_model::{Alert, AlertComment};
use riposte_modules::sekoiaio::AlertChange;
use riposte_store::{NewRun, StoreError};

use crate::dispatch::runs_for_alert;
use crate::{Result, Services};

impl Services {
    /// Stores `run` and starts it.
    pub async fn start(&self, run: NewRun) -> Result<()> {
        self.store.insert_runs(std::slice::from_ref(&run)).await?;
        self.runs.submit(vec![run]);
        Ok(())
    }

    /// Starts `run` unless a run of its UUID exists already (a trigger event sent again, a
    /// scheduled time already run); says whether it started.
    pub async fn start_once(&self, run: NewRun) -> Result<bool> {
        match self.start(run).await {
            Ok(()) => Ok(true),
            Err(crate::ServiceError::Store(StoreError::Conflict(_))) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Stores a new alert with the runs it starts, and starts them.
    pub async fn create_alert(&self, alert: &Alert) -> Result<()> {
        let runs = runs_for_alert(self, alert, AlertChange::Created).await?;
        self.store.insert_alert(alert, &runs).await?;
        self.runs.submit(runs);
        Ok(())
    }

    /// Stores a changed alert with the runs the change starts, and starts them.
    pub async fn update_alert(&self, alert: &Alert, status_changed: bool) -> Result<()> {
        let runs = runs_for_alert(self, alert, AlertChange::Updated { status_changed }).await?;
        self.store.update_alert(alert, &runs).await?;
        self.runs.submit(runs);
        Ok(())
    }

    /// Stores a comment on `alert` (whose count of comments includes it) with the runs it
    /// starts, and starts them.
    pub async fn comment_alert(&self, alert: &Alert, comment: &AlertComment) -> Result<()> {
        let runs = runs_for_alert(self, alert, AlertChange::Commented(comment)).await?;
        self.store.add_comment(comment, &runs).await?;
        self.runs.submit(runs);
        Ok(())
    }

    /// Runs a failed run's failed nodes again, in the same run.
    pub async fn rerun_failed(&self, run_uuid: &str) -> Result<()> {
        self.runs.runner().restart_failed(run_uuid).await?;
        // The run is unfinished again: the service claims it at its next look at the store.
        self.runs.notify();
        Ok(())
    }
}
