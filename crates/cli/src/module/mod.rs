//! `riposte module new | generate | install`: an integrator's path from an empty folder to a
//! module the server runs.

mod generate;
mod install;
mod new;

pub(crate) use generate::cargo;
pub use generate::generate;
pub use install::install;
pub use new::new;
